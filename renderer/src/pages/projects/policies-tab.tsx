import { Flex } from 'antd';
import { ImmutabilityPanel } from './immutability-panel';
import type { ProjectAbilities, ProjectJson } from './project-api';
import { RetentionPanel } from './retention-panel';

/** Tag retention (what to keep) and tag immutability (what may never move or go), each as the caller may see them. */
export function PoliciesTab({ project, abilities }: { project: ProjectJson; abilities: ProjectAbilities }) {
  return (
    <Flex vertical gap={16}>
      {abilities.can('tag-retention', 'read') && <RetentionPanel project={project} abilities={abilities} />}
      {abilities.can('immutable-tag', 'list') && <ImmutabilityPanel project={project} abilities={abilities} />}
    </Flex>
  );
}

import { sql as raw, type Selectable } from 'kysely';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type { Label, LabelRepo } from '../project-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { SqliteProjectRepo } from './project-repo.js';
import type { LabelsTable } from './schema-projects.js';

type LabelRow = Selectable<LabelsTable>;

const LIST_SPEC: ListSpec = {
  keys: {
    scope: { column: 'l.scope', type: 'text' },
    project_id: { column: 'l.project_id', type: 'number' },
    name: { column: 'l.name', type: 'text', ops: ['fuzzy'] },
  },
  sortable: { name: 'l.name', creation_time: 'l.created_at', update_time: 'l.updated_at' },
  defaultSort: [
    { column: 'l.name', desc: false },
    { column: 'l.id', desc: false },
  ],
};

/**
 * Labels, global (`g`, stored with project_id 0) or of one project (`p`), and their attachment to
 * artifacts. A project label attaches only to artifacts of its project. Deleting a label detaches it
 * (cascade); deleting a project deletes its labels.
 */
export class SqliteLabelRepo implements LabelRepo {
  private readonly insert;
  private readonly byId;
  private readonly sameName;
  private readonly updateRow;
  private readonly deleteRow;
  private readonly artifactProject;
  private readonly insertAttachment;
  private readonly deleteAttachment;
  private readonly ofMany;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly projects: SqliteProjectRepo,
  ) {
    const qb = sql.qb;
    type Values = { name: string; description: string; color: string; scope: string; projectId: number; now: number };
    this.insert = sql.prepare((arg: ArgFn<Values>) =>
      qb
        .insertInto('labels')
        .values({
          name: arg('name'),
          description: arg('description'),
          color: arg('color'),
          scope: arg('scope'),
          project_id: arg('projectId'),
          created_at: arg('now'),
          updated_at: arg('now'),
        })
        .onConflict((oc) => oc.columns(['name', 'scope', 'project_id']).doNothing())
        .returning('id'),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('labels').selectAll().where('id', '=', arg('id')),
    );
    this.sameName = sql.prepare((arg: ArgFn<{ id: number; name: string; scope: string; projectId: number }>) =>
      qb
        .selectFrom('labels')
        .select('id')
        .where('name', '=', arg('name'))
        .where('scope', '=', arg('scope'))
        .where('project_id', '=', arg('projectId'))
        .where('id', '!=', arg('id')),
    );
    this.updateRow = sql.prepare(
      (arg: ArgFn<{ id: number; name: string; description: string; color: string; now: number }>) =>
        qb
          .updateTable('labels')
          .set({ name: arg('name'), description: arg('description'), color: arg('color'), updated_at: arg('now') })
          .where('id', '=', arg('id')),
    );
    this.deleteRow = sql.prepare((arg: ArgFn<{ id: number }>) => qb.deleteFrom('labels').where('id', '=', arg('id')));
    this.artifactProject = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb
        .selectFrom('artifacts as a')
        .innerJoin('repositories as r', 'r.id', 'a.repository_id')
        .select('r.project_id')
        .where('a.id', '=', arg('id')),
    );
    this.insertAttachment = sql.prepare((arg: ArgFn<{ artifactId: number; labelId: number; now: number }>) =>
      qb
        .insertInto('artifact_labels')
        .values({ artifact_id: arg('artifactId'), label_id: arg('labelId'), created_at: arg('now') })
        .onConflict((oc) => oc.columns(['artifact_id', 'label_id']).doNothing()),
    );
    this.deleteAttachment = sql.prepare((arg: ArgFn<{ artifactId: number; labelId: number }>) =>
      qb
        .deleteFrom('artifact_labels')
        .where('artifact_id', '=', arg('artifactId'))
        .where('label_id', '=', arg('labelId')),
    );
    // One statement for any number of artifacts: the ids travel as one JSON array.
    this.ofMany = sql.prepare((arg: ArgFn<{ ids: string }>) =>
      qb
        .selectFrom('artifact_labels as al')
        .innerJoin('labels as l', 'l.id', 'al.label_id')
        .selectAll('l')
        .select('al.artifact_id')
        .where(raw<boolean>`al.artifact_id in (select value from json_each(${arg('ids')}))`)
        .orderBy('l.name')
        .orderBy('l.id'),
    );
  }

  async create(label: Omit<Label, 'id' | 'createdAt' | 'updatedAt'>, now = new Date()): Promise<Label> {
    const name = requireName(label.name);
    if (label.scope !== 'g' && label.scope !== 'p') {
      throw new Invalid('NAME_INVALID', `label scope must be g (global) or p (project), got "${String(label.scope)}"`);
    }
    if (label.scope === 'g' && label.projectId !== null) {
      throw new Invalid('NAME_INVALID', 'a global label belongs to no project');
    }
    if (label.scope === 'p' && label.projectId === null) {
      throw new Invalid('NAME_INVALID', 'a project label needs a project');
    }
    const projectId = label.projectId ?? 0;
    return this.sql.transaction(() => {
      if (label.scope === 'p') this.projects.requireSync(projectId);
      const inserted = this.insert.get({
        name,
        description: label.description,
        color: label.color,
        scope: label.scope,
        projectId,
        now: now.getTime(),
      });
      if (!inserted) throw duplicate(name, label.scope);
      return this.load(inserted.id);
    });
  }

  async get(id: number): Promise<Label | undefined> {
    const row = this.byId.get({ id });
    return row && toLabel(row);
  }

  async list(query: ListQuery): Promise<Page<Label>> {
    return listPage(this.sql, this.sql.qb.selectFrom('labels as l').selectAll('l'), query, LIST_SPEC, toLabel);
  }

  async update(
    id: number,
    patch: { name?: string; description?: string; color?: string },
    now = new Date(),
  ): Promise<Label> {
    return this.sql.transaction(() => {
      const row = this.byId.get({ id });
      if (!row) throw notFound(id);
      const name = patch.name === undefined ? row.name : requireName(patch.name);
      if (this.sameName.get({ id, name, scope: row.scope, projectId: row.project_id })) {
        throw duplicate(name, row.scope);
      }
      this.updateRow.run({
        id,
        name,
        description: patch.description ?? row.description,
        color: patch.color ?? row.color,
        now: now.getTime(),
      });
      return this.load(id);
    });
  }

  async delete(id: number): Promise<boolean> {
    return this.deleteRow.run({ id }) > 0;
  }

  /** Throws `NotFound` for an unknown artifact or label, `Invalid` for another project's label. */
  async attach(artifactId: number, labelId: number, now = new Date()): Promise<void> {
    this.sql.transaction(() => {
      const artifact = this.artifactProject.get({ id: artifactId });
      if (!artifact) throw new NotFound('MANIFEST_UNKNOWN', `artifact ${artifactId} not found`, { artifactId });
      const label = this.byId.get({ id: labelId });
      if (!label) throw notFound(labelId);
      if (label.scope === 'p' && label.project_id !== artifact.project_id) {
        throw new Invalid('NAME_INVALID', `label ${label.name} belongs to another project than artifact ${artifactId}`);
      }
      if (this.insertAttachment.run({ artifactId, labelId, now: now.getTime() }) === 0) {
        throw new Conflict('DENIED', `label ${label.name} is already attached to artifact ${artifactId}`);
      }
    });
  }

  async detach(artifactId: number, labelId: number): Promise<boolean> {
    return this.deleteAttachment.run({ artifactId, labelId }) > 0;
  }

  async ofArtifacts(artifactIds: number[]): Promise<Map<number, Label[]>> {
    const out = new Map<number, Label[]>();
    if (artifactIds.length === 0) return out;
    for (const row of this.ofMany.all({ ids: JSON.stringify(artifactIds) })) {
      let labels = out.get(row.artifact_id);
      if (!labels) out.set(row.artifact_id, (labels = []));
      labels.push(toLabel(row));
    }
    return out;
  }

  private load(id: number): Label {
    const row = this.byId.get({ id });
    if (!row) throw new Error(`label ${id} vanished inside its own transaction`);
    return toLabel(row);
  }
}

function requireName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new Invalid('NAME_INVALID', 'a label needs a name');
  return trimmed;
}

function duplicate(name: string, scope: string): Conflict {
  return new Conflict('DENIED', `a ${scope === 'g' ? 'global' : 'project'} label named ${name} already exists`, {
    name,
  });
}

function notFound(id: number): NotFound {
  return new NotFound('NAME_UNKNOWN', `label ${id} not found`, { labelId: id });
}

function toLabel(row: LabelRow): Label {
  const scope = row.scope === 'p' ? 'p' : 'g';
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    scope,
    projectId: scope === 'p' ? row.project_id : null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

import { Flex, Form, Input, Select, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Selector } from './project-api';
import { untaggedOf } from './project-rules';

/**
 * A doublestar selector in a form: "matching / excluding" and a pattern. `kind` picks Harbor's
 * decoration names (`repoMatches`/`repoExcludes` for repositories, `matches`/`excludes` for tags).
 */
export function SelectorFields({
  kind,
  decorationName,
  patternName,
}: {
  kind: 'repository' | 'tag';
  decorationName: string;
  patternName: string;
}) {
  const { t } = useTranslation('projects');
  const [matches, excludes] = kind === 'repository' ? ['repoMatches', 'repoExcludes'] : ['matches', 'excludes'];
  const label = kind === 'repository' ? t('selectors.repositories') : t('selectors.tags');
  return (
    <Form.Item label={label} required extra={kind === 'repository' ? t('selectors.repoHelp') : t('selectors.tagHelp')}>
      <Flex gap={8}>
        <Form.Item name={decorationName} noStyle>
          <Select
            style={{ width: 150 }}
            aria-label={t('selectors.decorationOf', { what: label })}
            options={[
              { value: matches, label: t('selectors.matching') },
              { value: excludes, label: t('selectors.excluding') },
            ]}
          />
        </Form.Item>
        <Form.Item
          name={patternName}
          noStyle
          rules={[{ required: true, whitespace: true, message: t('selectors.patternRequired') }]}
        >
          <Input
            className="mono"
            placeholder="**"
            maxLength={1024}
            aria-label={t('selectors.patternOf', { what: label })}
          />
        </Form.Item>
      </Flex>
    </Form.Item>
  );
}

/** A selector as words: "matching `app/**`". */
export function SelectorText({
  selector,
  kind,
  showUntagged = true,
  showLabel = true,
}: {
  selector: Selector | undefined;
  kind: 'repository' | 'tag';
  /** Immutability ignores untagged artifacts (they have no tag to protect). */
  showUntagged?: boolean;
  /** Off where a column title already says what is selected. */
  showLabel?: boolean;
}) {
  const { t } = useTranslation('projects');
  const pattern = selector?.pattern || '**';
  const excluding = selector?.decoration === 'repoExcludes' || selector?.decoration === 'excludes';
  return (
    <Flex gap={4} align="center" wrap>
      {showLabel && (
        <Typography.Text type="secondary">
          {kind === 'repository' ? t('selectors.repositories') : t('selectors.tags')}
        </Typography.Text>
      )}
      <Typography.Text>{excluding ? t('selectors.excluding') : t('selectors.matching')}</Typography.Text>
      <Tag className="mono" style={{ marginInlineEnd: 0 }}>
        {pattern}
      </Tag>
      {kind === 'tag' && showUntagged && selector && (
        <Typography.Text type="secondary">
          · {untaggedSelected(selector) ? t('selectors.untaggedIncluded') : t('selectors.untaggedNotIncluded')}
        </Typography.Text>
      )}
    </Flex>
  );
}

/**
 * Whether untagged artifacts pass a tag selector: the `untagged` flag applies the decoration to them
 * too, so "excluding … + untagged" leaves them out (server/core/selectors.ts selectsTags).
 */
export function untaggedSelected(selector: Selector): boolean {
  const flag = untaggedOf(selector);
  return selector.decoration === 'excludes' ? !flag : flag;
}

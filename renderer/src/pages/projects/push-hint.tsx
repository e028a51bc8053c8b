import { Flex, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../components/copy-button';

/** One shell command in a code line with a copy button. */
export function CommandLine({ command, label }: { command: string; label: string }) {
  const { token } = theme.useToken();
  return (
    <Flex
      align="center"
      gap={8}
      style={{
        background: token.colorFillQuaternary,
        border: `1px solid ${token.colorBorderSecondary}`,
        borderRadius: token.borderRadius,
        padding: '4px 4px 4px 12px',
      }}
    >
      <Typography.Text className="mono" style={{ flex: 1, fontSize: 13, overflowWrap: 'anywhere' }}>
        {command}
      </Typography.Text>
      <CopyButton text={command} label={label} />
    </Flex>
  );
}

/** The registry host as the browser reached it: what `docker` should be told too. */
export function registryHost(): string {
  return window.location.host;
}

/**
 * How to get an image into (or out of) this project with docker, Harbor's "push command" panel:
 * tag with `<host>/<project>/<repository>:<tag>`, then push. Callers who cannot push get the pull.
 */
export function PushHint({ projectName, canPush }: { projectName: string; canPush: boolean }) {
  const { t } = useTranslation('projects');
  const host = registryHost();
  const target = `${host}/${projectName}/REPOSITORY[:TAG]`;
  return (
    <Flex vertical gap={8}>
      <Typography.Text type="secondary">{canPush ? t('push.intro') : t('push.pullIntro')}</Typography.Text>
      <CommandLine command={`docker login ${host}`} label={t('push.login')} />
      {canPush ? (
        <>
          <CommandLine command={`docker tag SOURCE_IMAGE[:TAG] ${target}`} label={t('push.tag')} />
          <CommandLine command={`docker push ${target}`} label={t('push.push')} />
        </>
      ) : (
        <CommandLine command={`docker pull ${target}`} label={t('push.pull')} />
      )}
    </Flex>
  );
}

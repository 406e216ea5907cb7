import { useState } from 'preact/hooks';
import { useAppState, useController, useT } from './context';
import { Icon } from './icons';
import type { ApiErrorKind } from '../lib/api';
import type { PushStatus } from '../lib/push';
import type { MessageKey } from '../lib/i18n';

const PUSH_TEXT: Record<PushStatus, MessageKey> = {
  enabled: 'push.enabled',
  prompt: 'push.enable',
  denied: 'push.denied',
  unsupported: 'push.unavailable',
  failed: 'push.failed',
};

export function PushNotice({ status }: { status: PushStatus | 'unknown' }) {
  const c = useController();
  const t = useT();
  if (status === 'unknown') return <p class="push-note">{t('push.enabling')}</p>;
  if (status === 'prompt') {
    return (
      <button class="secondary wide" data-testid="enable-push" onClick={() => void c.turnOnPush()}>
        {t('push.enable')}
      </button>
    );
  }
  return (
    <p class={`push-note ${status === 'enabled' ? 'ok' : 'warn'}`} data-testid="push-status" data-state={status}>
      {t(PUSH_TEXT[status])}
    </p>
  );
}

export function Onboarding() {
  const state = useAppState();
  const c = useController();
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ kind: ApiErrorKind; detail?: string }>();
  const [copied, setCopied] = useState(false);
  const prefixes = state.config?.dialRules.virtualPrefixes ?? [];
  const [prefix, setPrefix] = useState('');

  const getNumber = async () => {
    setBusy(true);
    setError(undefined);
    const failure = await c.createNumber(prefix || undefined);
    setBusy(false);
    if (failure) {
      setError(failure);
      return;
    }
    // Asking for notification permission right after the person's tap keeps it a user gesture.
    void c.turnOnPush();
  };

  const number = state.credentials?.number;
  if (number) {
    const shareText = t('onboarding.shareText', { number });
    const share = async () => {
      if (navigator.share) {
        await navigator.share({ title: 'Webph.one', text: shareText }).catch(() => undefined);
      } else {
        await navigator.clipboard?.writeText(number).catch(() => undefined);
        setCopied(true);
      }
    };
    const copy = async () => {
      await navigator.clipboard?.writeText(number).catch(() => undefined);
      setCopied(true);
    };
    return (
      <main class="onboarding" id="main">
        <h1>{t('onboarding.yourNumber')}</h1>
        <p class="big-number" data-testid="own-number">
          {number}
        </p>
        <div class="row">
          <button class="secondary" onClick={share} data-testid="share-number">
            <Icon name="share" /> {t('onboarding.share')}
          </button>
          <button class="secondary" onClick={copy} data-testid="copy-number">
            {copied ? t('onboarding.copied') : t('onboarding.copy')}
          </button>
        </div>
        <PushNotice status={state.push} />
        <button class="primary wide" data-testid="start" onClick={() => c.finishWelcome()}>
          {t('onboarding.continue')}
        </button>
      </main>
    );
  }

  return (
    <main class="onboarding" id="main">
      <img src="/icon-192.png" alt="" width={96} height={96} class="logo" />
      <h1>{t('onboarding.title')}</h1>
      <p>{t('onboarding.intro')}</p>
      {prefixes.length > 1 && (
        <label class="field">
          <span>{t('onboarding.choosePrefix')}</span>
          <select value={prefix} onChange={(e) => setPrefix((e.target as HTMLSelectElement).value)} data-testid="prefix">
            <option value="">{t('onboarding.anyPrefix')}</option>
            {prefixes.map((p) => (
              <option key={p} value={p}>
                {p}…
              </option>
            ))}
          </select>
        </label>
      )}
      <button class="primary wide" disabled={busy} onClick={getNumber} data-testid="get-number">
        {busy ? t('onboarding.getting') : t('onboarding.get')}
      </button>
      {error && (
        <p class="error" role="alert" data-testid="onboarding-error">
          {t(`api.${error.kind}`)}
          {error.detail ? ` (${error.detail})` : ''}
        </p>
      )}
    </main>
  );
}

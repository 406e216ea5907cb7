import { formatDuration, formatTime, useAppState, useController, useT } from './context';
import { Icon } from './icons';

export function History() {
  const { calls, lang } = useAppState();
  const c = useController();
  const t = useT();
  return (
    <section aria-label={t('nav.history')}>
      <div class="subheader">
        <h2 class="grow">{t('nav.history')}</h2>
        {calls.length > 0 && (
          <button class="link-button" onClick={() => void c.clearHistory()}>
            {t('history.clear')}
          </button>
        )}
      </div>
      {calls.length === 0 ? (
        <p class="empty">{t('history.empty')}</p>
      ) : (
        <ul class="list" data-testid="call-history">
          {calls.map((call) => {
            const name = c.nameOf(call.peer);
            const missed = call.outcome === 'missed';
            return (
              <li key={call.id ?? call.callId} class="list-item" data-outcome={call.outcome}>
                <span class={`call-dir ${missed ? 'missed' : call.direction}`} aria-hidden="true">
                  {call.direction === 'in' ? '↙' : '↗'}
                </span>
                <span class="grow">
                  <span class={`title ${missed ? 'error' : ''}`}>{name}</span>
                  <span class="subtitle">
                    {t(call.direction === 'in' ? 'history.in' : 'history.out')} · {t(`history.outcome.${call.outcome}`)}
                    {call.answered ? ` · ${formatDuration(call.end - call.answered)}` : ''}
                  </span>
                </span>
                <span class="meta">{formatTime(call.start, lang)}</span>
                <button class="icon-button accent" aria-label={t('history.callBack', { peer: name })} onClick={() => c.call(call.peer)}>
                  <Icon name="phone" />
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

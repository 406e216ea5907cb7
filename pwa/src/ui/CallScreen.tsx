import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDuration, useAppState, useController, useT, useTicker } from './context';
import { Icon } from './icons';
import { Keypad } from './Dialer';
import type { MessageKey } from '../lib/i18n';
import type { CallPhase } from '../lib/phone';

const PHASE_TEXT: Record<CallPhase, MessageKey> = {
  calling: 'call.calling',
  ringing: 'call.ringing',
  early: 'call.ringing',
  incoming: 'call.incoming',
  connecting: 'call.connecting',
  active: 'call.active',
  ended: 'call.ended',
};

export function CallScreen() {
  const { call, outputs, settings } = useAppState();
  const c = useController();
  const t = useT();
  const [keypad, setKeypad] = useState(false);
  const [dtmf, setDtmf] = useState('');
  const now = useTicker(call?.phase === 'active');
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Move focus into the call screen so keyboard and screen-reader users land on its controls.
    dialog.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, [call?.phase]);
  if (!call) return null;

  const name = c.nameOf(call.peer);
  const status =
    call.phase === 'active' && call.answeredAt
      ? formatDuration(now - call.answeredAt)
      : call.phase === 'ended' && call.failure
        ? t(`callError.${call.failure}`)
        : t(PHASE_TEXT[call.phase]);
  const live = call.phase === 'active';

  return (
    <div class="call-screen" role="dialog" aria-modal="true" aria-label={t('call.state')} data-testid="call-screen" ref={dialog}>
      <div class="call-info">
        <p class="call-peer" data-testid="call-peer">
          {name}
        </p>
        {name !== call.peer && <p class="muted">{call.peer}</p>}
        <p class={`call-state ${call.failure ? 'error' : ''}`} data-testid="call-state" data-phase={call.phase} aria-live="polite">
          {status}
        </p>
        {keypad && live && <p class="dtmf-echo" aria-live="polite">{dtmf || '\u00a0'}</p>}
      </div>

      {keypad && live && (
        <Keypad
          testid="dtmf-keypad"
          onKey={(k) => {
            c.phone.sendDtmf(k);
            setDtmf((d) => (d + k).slice(-20));
          }}
        />
      )}

      {live && (
        <div class="call-controls">
          <button class={`round ${call.muted ? 'on' : ''}`} aria-pressed={call.muted} data-testid="mute" onClick={() => c.phone.toggleMute()}>
            <Icon name={call.muted ? 'micOff' : 'mic'} />
            <span>{call.muted ? t('call.unmute') : t('call.mute')}</span>
          </button>
          <button class={`round ${keypad ? 'on' : ''}`} aria-pressed={keypad} data-testid="keypad-toggle" onClick={() => setKeypad(!keypad)}>
            <Icon name="keypad" />
            <span>{keypad ? t('call.hideKeypad') : t('call.keypad')}</span>
          </button>
          {outputs.length > 0 && (
            <label class="round output">
              <Icon name="speaker" />
              <span class="visually-hidden">{t('call.output')}</span>
              <select
                data-testid="output"
                value={settings.outputDeviceId}
                onChange={(e) => void c.setOutput((e.target as HTMLSelectElement).value)}
              >
                <option value="">{t('call.outputDefault')}</option>
                {outputs.map((o) => (
                  <option key={o.deviceId} value={o.deviceId}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}

      <div class="call-actions">
        {call.phase === 'incoming' ? (
          <>
            <button class="round-big reject" data-testid="reject" onClick={() => c.phone.reject()}>
              <Icon name="hangup" size={32} />
              <span>{t('call.reject')}</span>
            </button>
            <button class="round-big answer" data-testid="answer" onClick={() => c.phone.answer()}>
              <Icon name="phone" size={32} />
              <span>{t('call.answer')}</span>
            </button>
          </>
        ) : call.phase === 'ended' ? (
          <button class="round-big neutral" data-testid="dismiss" onClick={() => c.phone.dismissEnded()}>
            <span>{t('common.close')}</span>
          </button>
        ) : (
          <button class="round-big reject" data-testid="hangup" onClick={() => c.phone.hangup()}>
            <Icon name="hangup" size={32} />
            <span>{t('call.hangup')}</span>
          </button>
        )}
      </div>
    </div>
  );
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { useAppState, useController, useT } from './context';
import { Icon } from './icons';

export const KEYS: [string, string][] = [
  ['1', ''],
  ['2', 'ABC'],
  ['3', 'DEF'],
  ['4', 'GHI'],
  ['5', 'JKL'],
  ['6', 'MNO'],
  ['7', 'PQRS'],
  ['8', 'TUV'],
  ['9', 'WXYZ'],
  ['*', ''],
  ['0', '+'],
  ['#', ''],
];

/** longPressPlus: holding "0" types "+" (as on phone dialers); off for the in-call DTMF keypad. */
export function Keypad({ onKey, testid, longPressPlus = false }: { onKey: (k: string) => void; testid?: string; longPressPlus?: boolean }) {
  const hold = useRef<{ timer?: ReturnType<typeof setTimeout>; fired: boolean }>({ fired: false });
  const down = (k: string) => {
    hold.current.fired = false;
    if (!longPressPlus || k !== '0') return;
    hold.current.timer = setTimeout(() => {
      hold.current.fired = true;
      onKey('+');
    }, 600);
  };
  const up = () => clearTimeout(hold.current.timer);
  return (
    <div class="keypad" role="group" data-testid={testid}>
      {KEYS.map(([k, letters]) => (
        <button
          key={k}
          class="key"
          aria-label={k}
          data-key={k}
          onPointerDown={() => down(k)}
          onPointerUp={up}
          onPointerLeave={up}
          onContextMenu={(e) => longPressPlus && e.preventDefault()}
          onClick={() => {
            if (hold.current.fired) hold.current.fired = false;
            else onKey(k);
          }}
        >
          <span class="digit">{k}</span>
          <span class="letters" aria-hidden="true">
            {letters}
          </span>
        </button>
      ))}
    </div>
  );
}

export function Dialer({ initial }: { initial?: string }) {
  const state = useAppState();
  const c = useController();
  const t = useT();
  const [value, setValue] = useState(initial ?? '');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (initial) setValue(initial);
  }, [initial]);

  const resolved = value.trim() ? c.resolve(value) : undefined;
  const ready = state.reg === 'registered';
  const press = (k: string) => {
    if (k !== '+') c.phone.tones.key(k);
    setValue((v) => v + k);
  };
  const call = () => {
    if (c.call(value)) setValue('');
  };
  const paste = async () => {
    const text = await navigator.clipboard?.readText().catch(() => '');
    if (text) setValue(text.trim());
  };

  return (
    <section class="dialer" aria-label={t('nav.phone')}>
      <form
        class="dial-row"
        onSubmit={(e) => {
          e.preventDefault();
          call();
        }}
      >
        <label class="visually-hidden" for="dial-input">
          {t('dialer.input')}
        </label>
        <input
          id="dial-input"
          ref={input}
          class="dial-input"
          data-testid="dial-input"
          type="text"
          inputMode="tel"
          autoComplete="off"
          placeholder={t('dialer.input')}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        {value ? (
          <button type="button" class="icon-button" aria-label={t('dialer.delete')} onClick={() => setValue((v) => v.slice(0, -1))}>
            <Icon name="backspace" />
          </button>
        ) : (
          typeof navigator.clipboard?.readText === 'function' && (
            <button type="button" class="link-button" onClick={paste}>
              {t('dialer.paste')}
            </button>
          )
        )}
      </form>
      <p class="dial-hint" aria-live="polite" data-testid="dial-hint">
        {resolved ? (resolved.ok ? t(`dialer.kind.${resolved.kind}`) : t('dialer.invalid')) : '\u00a0'}
      </p>
      <Keypad onKey={press} longPressPlus />
      <button
        class="call-button"
        data-testid="call-button"
        aria-label={t('dialer.call')}
        disabled={!resolved?.ok || !ready}
        onClick={call}
      >
        <Icon name="phone" size={32} />
      </button>
      {!ready && <p class="muted center">{t('dialer.notReady')}</p>}
    </section>
  );
}

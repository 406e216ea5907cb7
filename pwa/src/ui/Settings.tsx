import { useAppState, useController, useT } from './context';
import { Icon } from './icons';
import { PushNotice } from './Onboarding';
import type { Settings } from '../lib/storage';

export function SettingsScreen() {
  const state = useAppState();
  const c = useController();
  const t = useT();
  return (
    <section aria-label={t('nav.settings')}>
      <div class="subheader">
        <button class="icon-button" aria-label={t('common.back')} onClick={() => history.length > 1 ? history.back() : c.navigate({ name: 'phone' })}>
          <Icon name="back" />
        </button>
        <h2 class="grow">{t('nav.settings')}</h2>
      </div>
      <div class="form">
        <div class="field">
          <span>{t('settings.myNumber')}</span>
          <strong class="settings-number">{state.credentials?.number}</strong>
        </div>
        <label class="field">
          <span>{t('settings.language')}</span>
          <select
            data-testid="language"
            value={state.settings.language}
            onChange={(e) => void c.updateSettings({ language: (e.target as HTMLSelectElement).value as Settings['language'] })}
          >
            <option value="auto">{t('settings.language.auto')}</option>
            <option value="en" lang="en">English</option>
            <option value="es" lang="es">Español</option>
          </select>
        </label>
        {state.outputs.length > 0 && (
          <label class="field">
            <span>{t('settings.output')}</span>
            <select value={state.settings.outputDeviceId} onChange={(e) => void c.setOutput((e.target as HTMLSelectElement).value)}>
              <option value="">{t('call.outputDefault')}</option>
              {state.outputs.map((o) => (
                <option key={o.deviceId} value={o.deviceId}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="check">
          <input
            type="checkbox"
            data-testid="survey-enabled"
            checked={state.settings.surveyEnabled}
            onChange={(e) => void c.updateSettings({ surveyEnabled: (e.target as HTMLInputElement).checked })}
          />
          <span>{t('settings.survey')}</span>
        </label>
        <div class="field">
          <span>{t('settings.notifications')}</span>
          <PushNotice status={state.push} />
        </div>
        <p class="muted">{t('settings.version', { version: __APP_VERSION__ })}</p>
      </div>
    </section>
  );
}

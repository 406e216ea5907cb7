import { useAppState, useController, useT } from './context';
import { Icon, type IconName } from './icons';
import { Onboarding } from './Onboarding';
import { Dialer } from './Dialer';
import { CallScreen } from './CallScreen';
import { Conversation, Messages } from './Messages';
import { ContactEditor, Contacts } from './Contacts';
import { History } from './History';
import { SettingsScreen } from './Settings';
import { Survey } from './Survey';
import type { MessageKey } from '../lib/i18n';
import type { Route } from '../lib/route';

function StatusIndicator() {
  const { reg } = useAppState();
  const t = useT();
  const key: MessageKey =
    reg === 'registered' ? 'status.registered' : reg === 'authFailed' ? 'status.authFailed' : reg === 'noConfig' ? 'status.noConfig' : reg === 'offline' ? 'status.offline' : 'status.connecting';
  const tone = reg === 'registered' ? 'ok' : reg === 'connecting' || reg === 'idle' ? 'wait' : 'bad';
  return (
    <span class={`status status-${tone}`} data-testid="status" data-state={reg} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {t(key)}
    </span>
  );
}

function Header() {
  const { credentials } = useAppState();
  const c = useController();
  const t = useT();
  return (
    <header class="top">
      <div class="me">
        <span class="me-label">{t('settings.myNumber')}</span>
        <span class="me-number" data-testid="own-number">{credentials?.number}</span>
      </div>
      <StatusIndicator />
      <button class="icon-button" aria-label={t('nav.settings')} onClick={() => c.navigate({ name: 'settings' })}>
        <Icon name="settings" />
      </button>
    </header>
  );
}

const TABS: { name: Route['name']; icon: IconName; label: MessageKey }[] = [
  { name: 'phone', icon: 'phone', label: 'nav.phone' },
  { name: 'messages', icon: 'message', label: 'nav.messages' },
  { name: 'contacts', icon: 'contacts', label: 'nav.contacts' },
  { name: 'history', icon: 'history', label: 'nav.history' },
];

function tabOf(route: Route): Route['name'] {
  if (route.name === 'conversation') return 'messages';
  if (route.name === 'contact') return 'contacts';
  return route.name;
}

function BottomNav() {
  const { route, unread, calls } = useAppState();
  const c = useController();
  const t = useT();
  const current = tabOf(route);
  const missed = calls.filter((x) => x.outcome === 'missed' && x.start > Date.now() - 86400000).length;
  return (
    <nav class="tabs" aria-label="Webph.one">
      {TABS.map((tab) => {
        const badge = tab.name === 'messages' ? unread : tab.name === 'history' ? missed : 0;
        return (
          <button
            key={tab.name}
            class={`tab ${current === tab.name ? 'active' : ''}`}
            aria-current={current === tab.name ? 'page' : undefined}
            data-testid={`tab-${tab.name}`}
            onClick={() => c.navigate({ name: tab.name } as Route)}
          >
            <Icon name={tab.icon} />
            <span>{t(tab.label)}</span>
            {badge > 0 && (
              <span class="badge" aria-label={t('messages.unread', { count: badge })}>
                {badge}
              </span>
            )}
          </button>
        );
      })}
    </nav>
  );
}

function Screen() {
  const { route } = useAppState();
  switch (route.name) {
    case 'phone':
      return <Dialer initial={route.number} />;
    case 'messages':
      return <Messages />;
    case 'conversation':
      return <Conversation peer={route.peer} />;
    case 'contacts':
      return <Contacts />;
    case 'contact':
      return <ContactEditor id={route.id} number={route.number} />;
    case 'history':
      return <History />;
    case 'settings':
      return <SettingsScreen />;
  }
}

function UpdateBanner() {
  const { updateReady, call } = useAppState();
  const c = useController();
  const t = useT();
  if (!updateReady || call) return null;
  return (
    <div class="banner" role="status">
      {t('update.available')}
      <button class="link-button" onClick={() => c.applyUpdate()}>
        {t('update.reload')}
      </button>
    </div>
  );
}

export function App() {
  const state = useAppState();
  if (!state.loaded) return <div class="splash" aria-busy="true" />;
  if (!state.credentials || state.welcome) return <Onboarding />;
  return (
    <div class="shell">
      <Header />
      <UpdateBanner />
      <main class="content" id="main">
        <Screen />
      </main>
      <BottomNav />
      {state.call && <CallScreen />}
      {state.survey && !state.call && <Survey />}
      {state.notice && (
        <div class="toast" role="alert" data-testid="notice">
          {state.notice}
        </div>
      )}
    </div>
  );
}

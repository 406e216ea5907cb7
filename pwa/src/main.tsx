import { render } from 'preact';
import { AppController } from './app/controller';
import { App } from './ui/App';
import { ControllerContext } from './ui/context';
import './styles.css';

const controller = new AppController();

/**
 * Debug/test hook (browser tests read this): registration state, the JsSIP UA and session, and the live
 * RTCPeerConnection so a test can check inbound-rtp with getStats().
 */
const debug = {
  controller,
  get state() {
    return controller.store.get();
  },
  get registration() {
    return controller.phone.state;
  },
  get ua() {
    return controller.phone.ua;
  },
  get session() {
    return controller.phone.session;
  },
  get pc() {
    return controller.phone.peerConnection;
  },
  get call() {
    return controller.phone.call;
  },
};
(window as unknown as { webphone: typeof debug }).webphone = debug;

function renderApp() {
  const root = document.getElementById('app')!;
  render(
    <ControllerContext.Provider value={controller}>
      <App />
    </ControllerContext.Provider>,
    root,
  );
}

controller.store.subscribe((s) => {
  document.documentElement.lang = s.lang;
});
renderApp();
void controller.init().catch((e) => {
  console.error('startup failed', e);
  controller.showNotice(String(e));
});

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .then((reg) => controller.watchServiceWorker(reg))
      .catch((e) => console.warn('service worker registration failed', e));
  });
}

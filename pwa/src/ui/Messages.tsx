import { useEffect, useRef, useState } from 'preact/hooks';
import { formatTime, useAppState, useController, useT } from './context';
import { Icon } from './icons';
import type { StoredMessage } from '../lib/storage';

export function Messages() {
  const { conversations, lang } = useAppState();
  const c = useController();
  const t = useT();
  const [to, setTo] = useState('');
  const start = (e: Event) => {
    e.preventDefault();
    const peer = c.peerFor(to);
    if (!peer) {
      c.showNotice(t('dialer.invalid'));
      return;
    }
    c.navigate({ name: 'conversation', peer });
    setTo('');
  };
  return (
    <section aria-label={t('nav.messages')}>
      <form class="new-message" onSubmit={start}>
        <label class="field grow">
          <span>{t('messages.new')}</span>
          <input
            type="text"
            inputMode="tel"
            placeholder={t('messages.to')}
            value={to}
            data-testid="new-message-to"
            onInput={(e) => setTo((e.target as HTMLInputElement).value)}
          />
        </label>
        <button class="secondary" type="submit" data-testid="new-message-open">
          {t('messages.open')}
        </button>
      </form>
      {conversations.length === 0 ? (
        <p class="empty">{t('messages.empty')}</p>
      ) : (
        <ul class="list" data-testid="conversation-list">
          {conversations.map((conv) => (
            <li key={conv.peer}>
              <a class="list-item" href={`#/messages/${encodeURIComponent(conv.peer)}`} data-peer={conv.peer}>
                <span class="avatar" aria-hidden="true">
                  {c.nameOf(conv.peer).slice(0, 1).toUpperCase()}
                </span>
                <span class="grow">
                  <span class="title">{c.nameOf(conv.peer)}</span>
                  <span class="subtitle">{conv.last.body}</span>
                </span>
                <span class="meta">
                  <span>{formatTime(conv.last.time, lang)}</span>
                  {conv.unread > 0 && (
                    <span class="badge inline" aria-label={t('messages.unread', { count: conv.unread })}>
                      {conv.unread}
                    </span>
                  )}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Bubble({ m, lang }: { m: StoredMessage; lang: string }) {
  const t = useT();
  return (
    <li class={`bubble ${m.direction}`} data-state={m.state}>
      <p>{m.body}</p>
      <span class="bubble-meta">
        {formatTime(m.time, lang)}
        {m.direction === 'out' && <span class={`delivery ${m.state}`}> · {t(`messages.state.${m.state}`)}</span>}
      </span>
    </li>
  );
}

export function Conversation({ peer }: { peer: string }) {
  const state = useAppState();
  const c = useController();
  const t = useT();
  const [messages, setMessages] = useState<StoredMessage[]>([]);
  const [text, setText] = useState('');
  const end = useRef<HTMLLIElement>(null);

  // Reload when any conversation changes (new message, delivery state).
  useEffect(() => {
    let live = true;
    void c.storage.conversation(peer).then((list) => live && setMessages(list));
    void c.markRead(peer);
    return () => {
      live = false;
    };
  }, [peer, state.conversations]);
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [messages.length]);

  const send = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    void c.sendMessage(peer, text);
    setText('');
  };
  const name = c.nameOf(peer);
  return (
    <section class="conversation" aria-label={name}>
      <div class="subheader">
        <button class="icon-button" aria-label={t('common.back')} onClick={() => c.navigate({ name: 'messages' })}>
          <Icon name="back" />
        </button>
        <h2 class="grow">{name}</h2>
        <button class="icon-button" aria-label={t('contacts.call', { name })} onClick={() => c.call(peer)}>
          <Icon name="phone" />
        </button>
      </div>
      <ul class="bubbles" data-testid="messages" aria-live="polite">
        {messages.map((m) => (
          <Bubble key={m.id} m={m} lang={state.lang} />
        ))}
        <li ref={end} aria-hidden="true" />
      </ul>
      <form class="composer" onSubmit={send}>
        <label class="visually-hidden" for="message-input">
          {t('messages.input')}
        </label>
        <textarea
          id="message-input"
          data-testid="message-input"
          rows={1}
          placeholder={t('messages.input')}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e);
          }}
        />
        <button class="icon-button send" type="submit" aria-label={t('messages.send')} data-testid="message-send" disabled={!text.trim()}>
          <Icon name="send" />
        </button>
      </form>
    </section>
  );
}

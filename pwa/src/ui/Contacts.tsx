import { useEffect, useState } from 'preact/hooks';
import { useAppState, useController, useT } from './context';
import { Icon } from './icons';

export function Contacts() {
  const { contacts } = useAppState();
  const c = useController();
  const t = useT();
  return (
    <section aria-label={t('nav.contacts')}>
      <div class="subheader">
        <h2 class="grow">{t('nav.contacts')}</h2>
        <button class="secondary" data-testid="contact-add" onClick={() => c.navigate({ name: 'contact' })}>
          <Icon name="add" /> {t('contacts.add')}
        </button>
      </div>
      {contacts.length === 0 ? (
        <p class="empty">{t('contacts.empty')}</p>
      ) : (
        <ul class="list" data-testid="contact-list">
          {contacts.map((contact) => (
            <li key={contact.id} class="list-item">
              <span class="avatar" aria-hidden="true">
                {contact.name.slice(0, 1).toUpperCase()}
              </span>
              <a class="grow plain" href={`#/contacts/${contact.id}`} aria-label={`${t('contacts.edit')}: ${contact.name}`}>
                <span class="title">{contact.name}</span>
                <span class="subtitle">{contact.number}</span>
              </a>
              <button class="icon-button" aria-label={t('contacts.text', { name: contact.name })} onClick={() => c.navigate({ name: 'conversation', peer: c.peerFor(contact.number) ?? contact.number })}>
                <Icon name="message" />
              </button>
              <button class="icon-button accent" aria-label={t('contacts.call', { name: contact.name })} onClick={() => c.call(contact.number)}>
                <Icon name="phone" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ContactEditor({ id, number }: { id?: number; number?: string }) {
  const { contacts } = useAppState();
  const c = useController();
  const t = useT();
  const existing = id !== undefined ? contacts.find((x) => x.id === id) : undefined;
  const [name, setName] = useState(existing?.name ?? '');
  const [num, setNum] = useState(existing?.number ?? number ?? '');
  useEffect(() => {
    if (existing) {
      setName(existing.name);
      setNum(existing.number);
    }
  }, [existing?.id]);

  const save = async (e: Event) => {
    e.preventDefault();
    const key = c.peerFor(num) ?? num;
    if (await c.saveContact({ id: existing?.id, name, number: key })) c.navigate({ name: 'contacts' });
  };
  const remove = async () => {
    if (!existing?.id) return;
    if (!confirm(t('contacts.confirmDelete', { name: existing.name }))) return;
    await c.deleteContact(existing.id);
    c.navigate({ name: 'contacts' });
  };
  return (
    <section aria-label={existing ? t('contacts.edit') : t('contacts.add')}>
      <div class="subheader">
        <button class="icon-button" aria-label={t('common.back')} onClick={() => c.navigate({ name: 'contacts' })}>
          <Icon name="back" />
        </button>
        <h2 class="grow">{existing ? t('contacts.edit') : t('contacts.add')}</h2>
      </div>
      <form class="form" onSubmit={save}>
        <label class="field">
          <span>{t('contacts.name')}</span>
          <input type="text" required autoComplete="name" value={name} data-testid="contact-name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>{t('contacts.number')}</span>
          <input type="text" required inputMode="tel" value={num} data-testid="contact-number" onInput={(e) => setNum((e.target as HTMLInputElement).value)} />
        </label>
        <div class="row">
          <button class="primary" type="submit" data-testid="contact-save">
            {t('contacts.save')}
          </button>
          {existing && (
            <button class="danger" type="button" data-testid="contact-delete" onClick={remove}>
              {t('contacts.delete')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

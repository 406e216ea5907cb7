/** Hash routes (the server serves one index.html; the hash keeps back/forward working without server help). */
export type Route =
  | { name: 'phone'; number?: string }
  | { name: 'messages' }
  | { name: 'conversation'; peer: string }
  | { name: 'contacts' }
  | { name: 'contact'; id?: number; number?: string }
  | { name: 'history' }
  | { name: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  switch (parts[0]) {
    case 'messages':
      return parts[1] ? { name: 'conversation', peer: parts[1] } : { name: 'messages' };
    case 'contacts':
      if (parts[1] === 'new') return { name: 'contact', number: parts[2] || undefined };
      if (parts[1] && /^\d+$/.test(parts[1])) return { name: 'contact', id: Number(parts[1]) };
      return { name: 'contacts' };
    case 'history':
      return { name: 'history' };
    case 'settings':
      return { name: 'settings' };
    case 'phone':
      return parts[1] ? { name: 'phone', number: parts[1] } : { name: 'phone' };
    default:
      return { name: 'phone' };
  }
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'phone':
      return route.number ? `#/phone/${encodeURIComponent(route.number)}` : '#/phone';
    case 'messages':
      return '#/messages';
    case 'conversation':
      return `#/messages/${encodeURIComponent(route.peer)}`;
    case 'contacts':
      return '#/contacts';
    case 'contact':
      if (route.id !== undefined) return `#/contacts/${route.id}`;
      return route.number ? `#/contacts/new/${encodeURIComponent(route.number)}` : '#/contacts/new';
    case 'history':
      return '#/history';
    case 'settings':
      return '#/settings';
  }
}

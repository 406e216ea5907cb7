/**
 * A stand-in for the server's HTTP API, for `WEBPHONE_MOCK_API=1 npx vite preview` (screenshots, UI work
 * without a server). Not part of the build output. The WebSocket URL points nowhere, so the app shows "offline".
 */
import type { Plugin, Connect } from 'vite';

const config = {
  domain: 'localhost',
  wsUrl: 'wss://localhost:1/',
  dialRules: { virtualPrefixes: ['999100', '999200', '505051'], conferencePrefix: '500', communityPrefixes: [] },
  push: { enabled: true },
};

function handler(): Connect.NextHandleFunction {
  let next = 12345;
  return (req, res, pass) => {
    const url = req.url ?? '';
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url === '/api/v1/config') return send(200, config);
    if (req.method === 'POST' && url === '/api/v1/numbers') {
      const number = `999100${next++}`;
      return send(201, { number, password: 'ab12cd34', domain: 'localhost', sipUri: `sip:${number}@localhost`, wsUrl: config.wsUrl });
    }
    if (req.method === 'GET' && url === '/api/v1/push/key') {
      return send(200, { key: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U' });
    }
    if (url === '/api/v1/push/subscriptions') return send(201, {});
    if (req.method === 'GET' && url === '/api/v1/me/calls') return send(200, []);
    if (url.startsWith('/api/')) return send(404, { error: 'not mocked' });
    pass();
  };
}

export function mockApi(): Plugin {
  return {
    name: 'webphone-mock-api',
    configureServer(server) {
      server.middlewares.use(handler());
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler());
    },
  };
}

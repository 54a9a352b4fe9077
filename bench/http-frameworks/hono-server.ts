import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { echoBodySchema } from './echo-schema.ts';

const app = new Hono();

app.get('/healthz', (c) => c.json({ status: 'ok' }));

app.post('/api/v1/echo', async (c) => {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return c.json({ error: 'invalid JSON body' }, 400);
  }
  const parsed = echoBodySchema.safeParse(json);
  if (!parsed.success) {
    return c.json({ error: 'validation failed', issues: parsed.error.issues }, 400);
  }
  return c.json(parsed.data, 201);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`listening ${info.port}`);
});

import Fastify from 'fastify';
import { echoBodySchema } from './echo-schema.ts';

// Validation uses the same zod schema as the other servers (no Fastify route schemas),
// because that is how our API validates; ajv/fast-json-stringify are deliberately not used.
const app = Fastify({ logger: false });

app.get('/healthz', async () => ({ status: 'ok' }));

app.post('/api/v1/echo', async (request, reply) => {
  const parsed = echoBodySchema.safeParse(request.body);
  if (!parsed.success) {
    return reply.code(400).send({ error: 'validation failed', issues: parsed.error.issues });
  }
  return reply.code(201).send(parsed.data);
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening ${new URL(address).port}`);

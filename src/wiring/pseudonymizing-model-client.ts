import { type PiiMasker, PseudonymVault } from '../guard/index.ts';
import type {
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResult,
  ModelClient,
  ModelTarget,
} from '../runtime/index.ts';

/**
 * Keeps personal data inside the company when a model backend is `trust: external`: every message
 * is pseudonymized before it leaves (`alice@example.com` → `<EMAIL_1>`, the same value the same
 * placeholder within one call), and the answer — text and tool-call arguments — gets the
 * originals back, so tools and users see real values and the provider never does. Internal
 * backends are called as they are. Streamed deltas are restored one by one: a placeholder split
 * across two deltas reaches the live stream as is; the final answer is always restored.
 */
export class PseudonymizingModelClient implements ModelClient {
  constructor(
    private readonly inner: ModelClient,
    private readonly masker: PiiMasker,
  ) {}

  async chat(target: ModelTarget, request: ChatRequest, options: ChatOptions): Promise<ChatResult> {
    if (!target.external) return this.inner.chat(target, request, options);
    const vault = new PseudonymVault();
    const hide = (text: string) => this.masker.pseudonymize(text, vault).text;
    const messages = request.messages.map((message): ChatMessage => this.#map(message, hide));
    const { onToken } = options;
    const result = await this.inner.chat(
      target,
      { ...request, messages },
      {
        ...options,
        ...(onToken ? { onToken: (delta: string) => onToken(this.masker.restore(delta, vault)) } : {}),
      },
    );
    return { ...result, message: this.#map(result.message, (text) => this.masker.restore(text, vault)) };
  }

  #map(message: ChatMessage, change: (text: string) => string): ChatMessage {
    return {
      ...message,
      content: message.content === null ? null : change(message.content),
      ...(message.tool_calls
        ? {
            tool_calls: message.tool_calls.map((call) => ({
              ...call,
              function: { ...call.function, arguments: change(call.function.arguments) },
            })),
          }
        : {}),
    };
  }
}

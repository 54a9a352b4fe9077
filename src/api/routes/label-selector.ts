import { type Labels, LabelsSchema } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';

/** `team=secops,tier=prod` → labels that must all match. Throws INVALID_REQUEST on a malformed pair. */
export function parseLabelSelector(selector: string | undefined): Labels | undefined {
  if (!selector) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of selector.split(',')) {
    const [key, value, extra] = pair.split('=');
    if (!key || value === undefined || extra !== undefined) {
      throw new AppError('INVALID_REQUEST', `labelSelector "${pair}" must be key=value`, {
        fieldErrors: [
          { pointer: '/query/labelSelector', detail: 'pairs must be key=value, comma-separated' },
        ],
      });
    }
    labels[key.trim()] = value.trim();
  }
  const parsed = LabelsSchema.safeParse(labels);
  if (!parsed.success) {
    throw new AppError('INVALID_REQUEST', 'labelSelector holds an invalid label', {
      fieldErrors: [
        { pointer: '/query/labelSelector', detail: parsed.error.issues[0]?.message ?? 'invalid' },
      ],
    });
  }
  return parsed.data;
}

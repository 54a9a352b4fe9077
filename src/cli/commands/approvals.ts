import { type Command, Option } from 'commander';
import { APPROVAL_STATUSES, type Approval, type ApprovalStatus, routes } from '../../contracts/index.ts';
import { age, type Column, renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';
import { printList } from './runs.ts';

const approvalColumns: Column<Approval>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'RUN', value: (a) => a.run_id ?? a.step },
  { header: 'KIND', value: (a) => a.kind },
  { header: 'TOOL', value: (a) => a.tool },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'APPROVERS', value: (a) => a.approvers.join(',') },
  {
    header: 'VOTES',
    value: (a) => `${a.decisions.filter((d) => d.decision === 'approve').length}/${a.min_approvals}`,
  },
  { header: 'AGE', value: (a) => age(a.created_at) },
];

function printApproval(runtime: CliRuntime, approval: Approval): void {
  const format = runtime.format();
  if (format === 'json' || format === 'yaml') {
    runtime.printer.out(renderData(approval, format));
    return;
  }
  if (format === 'name') {
    runtime.printer.out(`approval/${approval.id}`);
    return;
  }
  const lines = [
    `Approval:   ${approval.id} (${approval.kind})`,
    `Status:     ${approval.status}`,
    `Run:        ${approval.run_id} (step ${approval.step})`,
    `Tool:       ${approval.tool}`,
    `Arguments:  ${JSON.stringify(approval.arguments)}`,
    `Why:        ${approval.reason}`,
    `Rules:      ${approval.rules.join(', ') || '-'}`,
    `Approvers:  ${approval.approvers.join(', ')} (${approval.min_approvals} needed)`,
    `Expires:    ${approval.expires_at} (then ${approval.on_timeout})`,
    `Call hash:  ${approval.call_hash}`,
  ];
  for (const d of approval.decisions) {
    lines.push(`Decision:   ${d.decision} by ${d.by} at ${d.at}${d.comment ? ` — ${d.comment}` : ''}`);
  }
  runtime.printer.out(lines.join('\n'));
}

export function registerApprovals(program: Command, runtime: CliRuntime): void {
  const approvals = program
    .command('approvals')
    .description('Human decisions runs wait for: list, show, approve, reject');

  approvals
    .command('list')
    .description('List approvals, newest first (default: pending ones)')
    .addOption(
      new Option('--status <status>', 'only approvals in this status').choices([...APPROVAL_STATUSES, 'all']),
    )
    .option('--run <id>', 'only approvals of this run')
    .action(async (options: { status?: ApprovalStatus | 'all'; run?: string }) => {
      const status = options.status ?? 'pending';
      const page = await runtime.client().call(routes.listApprovals, {
        query: {
          limit: 100,
          ...(status !== 'all' ? { status } : {}),
          ...(options.run ? { run: options.run } : {}),
        },
      });
      printList(runtime, page, approvalColumns, (a) => `approval/${a.id}`, 'No approvals found.');
    });

  approvals
    .command('show')
    .description('Show an approval: the exact call, why, who may decide, decisions so far')
    .argument('<id>', 'approval id')
    .action(async (id: string) => {
      printApproval(runtime, await runtime.client().call(routes.getApproval, { params: { id } }));
    });

  for (const [verb, route] of [
    ['approve', routes.approveApproval],
    ['reject', routes.rejectApproval],
  ] as const) {
    approvals
      .command(verb)
      .description(
        verb === 'approve'
          ? 'Approve (exit 4 if you are not a listed approver, 1 if already decided)'
          : 'Reject: the run ends failed, reason rejected (an in-doubt call is skipped instead)',
      )
      .argument('<id>', 'approval id')
      .option('--comment <text>', 'why, for the record')
      .action(async (id: string, options: { comment?: string }) => {
        const approval = await runtime.client().call(route, {
          params: { id },
          body: options.comment ? { comment: options.comment } : {},
        });
        if (runtime.format() !== 'table') return printApproval(runtime, approval);
        const votes = approval.decisions.filter((d) => d.decision === 'approve').length;
        runtime.printer.out(
          approval.status === 'pending'
            ? `approval/${approval.id}: ${votes} of ${approval.min_approvals} approvals; waiting for another approver`
            : `approval/${approval.id} ${approval.status}; ${afterDecision(approval)}`,
        );
      });
  }
}

/** What happens next: a run resumes; a direct call may be made (once) or stays refused. */
function afterDecision(approval: { status: string; run_id: string | null }): string {
  if (approval.run_id) return `run ${approval.run_id} resumes`;
  return approval.status === 'approved'
    ? 'the same call may now be made, once'
    : 'the call it was asked for stays refused';
}

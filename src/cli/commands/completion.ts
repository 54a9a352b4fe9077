import type { Command } from 'commander';
import { KIND_WORDS } from '../kinds.ts';
import type { CliRuntime } from '../runtime.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
const KIND_COMMANDS = ['get', 'describe', 'delete'];

interface Node {
  name: string;
  description: string;
  children: Node[];
  flags: string[];
}

function tree(command: Command): Node {
  return {
    name: command.name(),
    description: command.description(),
    children: command.commands.map(tree),
    flags: command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
  };
}

function bashScript(root: Node, globalFlags: string[]): string {
  const cases = root.children
    .map((child) => {
      const words = KIND_COMMANDS.includes(child.name)
        ? KIND_WORDS.join(' ')
        : [...child.children.map((c) => c.name), ...child.flags].join(' ');
      return `      ${child.name}) words="${words} ${globalFlags.join(' ')}" ;;`;
    })
    .join('\n');
  return `# actl bash completion: source <(actl completion bash)
_actl_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words="" cmd=""
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    words="${root.children.map((c) => c.name).join(' ')} ${globalFlags.join(' ')}"
  else
    case "$cmd" in
${cases}
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _actl_complete actl
`;
}

function fishScript(root: Node): string {
  const lines = ['# actl fish completion: actl completion fish | source', 'complete -c actl -f'];
  for (const child of root.children) {
    lines.push(
      `complete -c actl -n '__fish_use_subcommand' -a '${child.name}' -d '${child.description.replaceAll("'", '')}'`,
    );
    if (KIND_COMMANDS.includes(child.name)) {
      lines.push(
        `complete -c actl -n '__fish_seen_subcommand_from ${child.name}' -a '${KIND_WORDS.join(' ')}'`,
      );
    }
    for (const grandchild of child.children) {
      lines.push(
        `complete -c actl -n '__fish_seen_subcommand_from ${child.name}' -a '${grandchild.name}' -d '${grandchild.description.replaceAll("'", '')}'`,
      );
    }
  }
  lines.push("complete -c actl -s o -l output -a 'table json yaml name' -d 'output format'");
  return `${lines.join('\n')}\n`;
}

export function registerCompletion(program: Command, runtime: CliRuntime): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell: string) => {
      const root = tree(program);
      const globalFlags = root.flags;
      switch (shell) {
        case 'bash':
          runtime.printer.out(bashScript(root, globalFlags));
          break;
        case 'zsh':
          runtime.printer.out(
            `# actl zsh completion: source <(actl completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(root, globalFlags)}`,
          );
          break;
        case 'fish':
          runtime.printer.out(fishScript(root));
          break;
        default:
          program.error(`unknown shell "${shell}"; use ${SHELLS.join(', ')}`, { exitCode: 2 });
      }
    });
}

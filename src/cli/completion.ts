// Shell completion, the pure part: given the program tree, the words typed so far and lookups for what only the
// cluster or the kubeconfig knows, the candidates for the word under the cursor. No Kubernetes imports: the
// lookups are an interface (commands/completion.ts implements them; unit tests give them in-memory lists).
//
// The protocol between the shell scripts below and `rayctl __complete`:
//   call:   rayctl __complete -- WORD1 … WORDn    the words after `rayctl`, WORDn the one under the cursor ('' if none)
//   answer: one candidate per line (`candidate<TAB>description` where there is one), then a last line `:0` (the
//           shell may complete file names when no candidate is given) or `:4` (no file names: candidates only).
import type { Argument, Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * The global flags given on the command line being completed, by commander's attribute name, as
 * `optsWithGlobals()` would hold them (-n → namespace, --kube-context → kubeContext, --kube-token → kubeToken …):
 * a lookup asks the cluster and namespace the command itself would.
 */
export interface CompletionScope {
  namespace?: string;
  kubeconfig?: string;
  kubeContext?: string;
  [flag: string]: unknown;
}

/** The names only a cluster or the kubeconfig knows. A lookup may fail or hang: complete() gives it no candidates. */
export interface CompletionLookups {
  namespaces(scope: CompletionScope): Promise<string[]>;
  /** Releases in scope.namespace (or the context's namespace): every status, as `history`/`rollback` take them all. */
  releases(scope: CompletionScope): Promise<string[]>;
  /** RayClusters in scope.namespace (or the context's namespace). */
  clusters(scope: CompletionScope): Promise<string[]>;
  /** The kubeconfig's context names. */
  contexts(scope: CompletionScope): Promise<string[]>;
}
type LookupKind = keyof CompletionLookups;

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  /** The shell may complete file names (directive `:0`); otherwise candidates only (`:4`). */
  files: boolean;
}

/** Directive bits, as cobra numbers them, so the scripts read like helm's: 4 = no file completion. */
const NO_FILE_COMPLETION = 4;

/** How long a lookup may take before it counts as giving nothing: completion must not hang the shell. */
export const LOOKUP_TIMEOUT_MS = 2000;

/**
 * Commands whose `<release>` argument is a name for a new release (or only a name to render), not an existing
 * one: completing existing releases there would suggest exactly the names that fail.
 */
const NEW_RELEASE_COMMANDS = new Set(['install', 'template']);

/** What a value (of an option or a positional argument) completes to. */
type ValueKind = { choices: readonly string[] } | { lookup: LookupKind } | { files: boolean };

/**
 * The candidates for the last of `words` (the words after `rayctl`, the last one under the cursor).
 * Never throws for a lookup: a failing or slow one (past `timeoutMs`) gives no candidates.
 */
export async function complete(
  program: Command,
  words: readonly string[],
  lookups: CompletionLookups,
  options: { timeoutMs?: number } = {},
): Promise<Completion> {
  const typed = words.slice(0, -1);
  // PowerShell before 7.3 drops empty arguments to programs, so its script sends `""` for an empty word.
  const current = words.at(-1) === '""' ? '' : (words.at(-1) ?? '');
  const line = walk(program, typed);
  const scope = line.scope;
  const lookup = async (kind: LookupKind): Promise<string[]> =>
    // A lookup that throws instead of rejecting counts as failing too.
    withTimeout(
      Promise.resolve().then(() => lookups[kind](scope)),
      options.timeoutMs ?? LOOKUP_TIMEOUT_MS,
    );
  const values = async (kind: ValueKind, prefix: string, skip: readonly string[] = []): Promise<Completion> => {
    if ('files' in kind) return { candidates: [], files: kind.files };
    const names = 'choices' in kind ? [...kind.choices] : await lookup(kind.lookup);
    const candidates = names
      .filter((name) => name.startsWith(current.slice(prefix.length)) && !skip.includes(name))
      .map((name) => ({ value: prefix + name }));
    return { candidates: dedupe(candidates), files: false };
  };

  // The value of an option given as the previous word: `-n <TAB>`.
  if (line.pendingOption) return values(optionValueKind(line.pendingOption), '');
  if (!line.afterDashDash && current.startsWith('-')) {
    // `--output=js<TAB>`: the value of a long option in the same word.
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals > 0) {
      const option = findOption(line.command, current.slice(0, equals));
      if (!option || !takesValue(option)) return { candidates: [], files: false };
      return values(optionValueKind(option), current.slice(0, equals + 1));
    }
    const candidates = flagsOf(line.command).flatMap(({ option, description }) =>
      [option.long, option.short]
        .filter((flag): flag is string => flag !== undefined && flag.startsWith(current))
        .map((flag) => ({ value: flag, ...(description ? { description } : {}) })),
    );
    return { candidates: dedupe(candidates), files: false };
  }
  // `rayctl help <TAB>`: the commands help is asked about.
  if (line.helpFor) {
    if (line.positionals.length > 0) return { candidates: [], files: false };
    return { candidates: subcommandsOf(line.helpFor).filter((c) => c.value.startsWith(current)), files: false };
  }
  const candidates: Candidate[] = [];
  if (line.positionals.length === 0)
    candidates.push(...subcommandsOf(line.command).filter((c) => c.value.startsWith(current)));
  const argument = argumentAt(line.command, line.positionals.length);
  if (argument) {
    const kind = argumentValueKind(line.command, argument);
    // A variadic argument (`uninstall a b <TAB>`): the names already given are not offered again.
    const given = argument.variadic ? line.positionals : [];
    const answer = await values(kind, '', given);
    return { candidates: dedupe([...candidates, ...answer.candidates]), files: answer.files };
  }
  return { candidates, files: false };
}

/** The answer as `rayctl __complete` prints it: candidate lines, then the directive line. */
export function formatCompletion(completion: Completion): string {
  const lines = completion.candidates.map((c) =>
    c.description ? `${oneLine(c.value)}\t${oneLine(c.description)}` : oneLine(c.value),
  );
  return [...lines, `:${completion.files ? 0 : NO_FILE_COMPLETION}`].join('\n') + '\n';
}

interface Line {
  command: Command;
  positionals: string[];
  scope: CompletionScope;
  /** The option whose value is the word under the cursor (`-n <TAB>`). */
  pendingOption?: Option;
  /** After `help`: the command whose subcommands it takes. */
  helpFor?: Command;
  afterDashDash: boolean;
}

/** Reads the typed words as commander would: subcommands, options (and their values), positional arguments. */
function walk(program: Command, words: readonly string[]): Line {
  const line: Line = { command: program, positionals: [], scope: {}, afterDashDash: false };
  // The program's own options (the global flags) go to the lookups' scope, parsed as commander would.
  const remember = (option: Option, value?: string) => {
    if (!program.options.includes(option)) return;
    const key = option.attributeName();
    if (value === undefined) line.scope[key] = !option.negate;
    else if (!option.parseArg) line.scope[key] = value;
    else
      try {
        line.scope[key] = option.parseArg(value, line.scope[key] ?? option.defaultValue);
      } catch {
        // A value the command would refuse: left out.
      }
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const last = i === words.length - 1;
    if (!line.afterDashDash && word === '--') {
      line.afterDashDash = true;
      continue;
    }
    if (!line.afterDashDash && word.startsWith('--') && word.length > 2) {
      const equals = word.indexOf('=');
      const option = findOption(line.command, equals > 0 ? word.slice(0, equals) : word);
      if (!option) continue;
      if (equals > 0) remember(option, word.slice(equals + 1));
      else if (option.required) {
        if (last) line.pendingOption = option;
        else remember(option, words[++i]);
      } else if (!option.optional) remember(option);
      continue;
    }
    if (!line.afterDashDash && word.startsWith('-') && word.length > 1) {
      // Short flags, possibly grouped (`-aq`), the last one perhaps with its value attached (`-nray`).
      for (let j = 1; j < word.length; j++) {
        const option = findOption(line.command, `-${word[j]}`);
        if (!option) continue;
        if (!takesValue(option)) {
          remember(option);
          continue;
        }
        const attached = word.slice(j + 1);
        if (attached) remember(option, attached);
        else if (option.required) {
          if (last) line.pendingOption = option;
          else remember(option, words[++i]);
        }
        break;
      }
      continue;
    }
    if (!line.afterDashDash && line.positionals.length === 0 && !line.helpFor) {
      const sub = line.command.commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (sub) {
        line.command = sub;
        continue;
      }
      if (word === 'help' && line.command.commands.length > 0) {
        line.helpFor = line.command;
        continue;
      }
    }
    line.positionals.push(word);
  }
  return line;
}

/** The positional argument the next word fills; a variadic last argument takes every word after it. */
function argumentAt(command: Command, index: number): Argument | undefined {
  const args = command.registeredArguments;
  const lastArg = args.at(-1);
  return args[index] ?? (lastArg?.variadic ? lastArg : undefined);
}

function argumentValueKind(command: Command, argument: Argument): ValueKind {
  if (argument.argChoices) return { choices: argument.argChoices };
  const name = argument.name();
  if ((name === 'release' || name === 'releases') && !NEW_RELEASE_COMMANDS.has(command.name()))
    return { lookup: 'releases' };
  if (name === 'cluster') return { lookup: 'clusters' };
  return { files: isPathLike(name) };
}

/** Choices; then by name: namespaces, the kubeconfig's contexts, RayClusters; file names for paths. */
function optionValueKind(option: Option): ValueKind {
  if (option.argChoices) return { choices: option.argChoices };
  const long = option.long ?? '';
  if (long === '--namespace' || long.endsWith('-namespace')) return { lookup: 'namespaces' };
  if (long === '--kube-context') return { lookup: 'contexts' };
  if (long === '--cluster') return { lookup: 'clusters' };
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? '';
  return { files: isPathLike(placeholder) || long === '--kubeconfig' };
}

/** A value that names a file or directory, by the name of its placeholder or argument (`<file>`, `<dir>`). */
const isPathLike = (name: string): boolean => /file|path|dir|entrypoint/i.test(name);

const takesValue = (option: Option): boolean => option.required || option.optional;

/** The command's options, then its ancestors' (global flags); `--version` only at the top (main.ts refuses it later). */
function flagsOf(command: Command): { option: Option; description: string }[] {
  const flags: { option: Option; description: string }[] = [];
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.createHelp().visibleOptions(c)) {
      if (c !== command && option.long === '--version') continue;
      flags.push({ option, description: option.description });
    }
  }
  return flags;
}

/** An option as commander would find it for `command`: its own first, then its ancestors'. */
function findOption(command: Command, flag: string): Option | undefined {
  for (let c: Command | null = command; c; c = c.parent) {
    const found = c.options.find((o) => o.long === flag || o.short === flag);
    if (found) return found;
  }
  return undefined;
}

function subcommandsOf(command: Command): Candidate[] {
  return command
    .createHelp()
    .visibleCommands(command)
    .map((c) => {
      const description = c.summary() || c.description();
      return { value: c.name(), ...(description ? { description } : {}) };
    });
}

function dedupe(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.value) && seen.add(c.value));
}

const oneLine = (text: string): string => text.split('\n')[0]!.replace(/\p{C}/gu, ' ');

/** The lookup's names, or none if it fails or takes longer than `ms`. */
async function withTimeout(lookup: Promise<string[]>, ms: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), ms);
  });
  try {
    const names = await Promise.race([lookup.catch(() => []), timeout]);
    // Names from a kubeconfig may hold anything: none with blanks or control characters reaches the shell.
    return names.filter((name) => typeof name === 'string' && name !== '' && !/[\s\p{C}]/u.test(name)).sort();
  } finally {
    clearTimeout(timer);
  }
}

/** The script that makes `shell` ask `rayctl __complete` for candidates. */
export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

const SCRIPTS: Record<Shell, string> = {
  bash: `# rayctl completion for bash (4 or later). Enable it with:  source <(rayctl completion bash)
_rayctl_complete() {
  # The words up to the cursor, split at blanks only: bash's COMP_WORDS also splits at "=" and ":" (--output=json).
  local line=\${COMP_LINE:0:COMP_POINT} words=() out cands=() cand directive=0 strip=""
  read -r -a words <<<"$line"
  [[ $line == *[[:blank:]] ]] && words+=("")
  local cur=\${words[\${#words[@]}-1]}
  out=$(rayctl __complete -- "\${words[@]:1}" 2>/dev/null) || return 0
  # Readline replaces only the text after the last word-break character ("=" or ":") of the current word.
  local breaks=\${COMP_WORDBREAKS//[^=:]/}
  if [[ -n $breaks && $cur == *[$breaks]* ]]; then strip=\${cur%"\${cur##*[$breaks]}"}; fi
  while IFS= read -r cand; do
    if [[ $cand == :* ]]; then directive=\${cand#:}; continue; fi
    cand=\${cand%%$'\\t'*}
    [[ $cand == "$strip"* ]] && cands+=("\${cand#"$strip"}")
  done <<<"$out"
  COMPREPLY=("\${cands[@]}")
  if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then compopt -o default 2>/dev/null; fi
  return 0
}
complete -F _rayctl_complete rayctl
`,
  zsh: `#compdef rayctl
# rayctl completion for zsh. Enable it (after compinit) with:  source <(rayctl completion zsh)
_rayctl() {
  local out line value desc directive=0
  local -a cands
  out=$(rayctl __complete -- "\${(@)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null) || return 1
  for line in "\${(@f)out}"; do
    if [[ $line == :* ]]; then directive=\${line#:}; continue; fi
    value=\${line%%$'\\t'*} desc=
    [[ $line == *$'\\t'* ]] && desc=\${line#*$'\\t'}
    # _describe reads "value:description", so a colon in the value is escaped.
    cands+=("\${value//:/\\\\:}\${desc:+:$desc}")
  done
  if (( \${#cands} > 0 )); then
    _describe -t rayctl 'rayctl' cands
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ \${funcstack[1]} == _rayctl ]]; then _rayctl "$@"; else compdef _rayctl rayctl; fi
`,
  fish: `# rayctl completion for fish. Enable it with:  rayctl completion fish | source
function __rayctl_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out (rayctl __complete -- $tokens[2..-1] 2>/dev/null); or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test "$directive" != 4
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out
end
complete -c rayctl -f -a '(__rayctl_complete)'
`,
  powershell: `# rayctl completion for PowerShell. Enable it with:  rayctl completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName rayctl -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        Select-Object -Skip 1 |
        ForEach-Object { $_.Extent.Text })
    # An empty word is sent as "" (older PowerShell drops empty arguments); rayctl reads it as empty.
    if ($wordToComplete -eq '') { $words += '""' }
    elseif ($words.Count -gt 0) { $words[-1] = $wordToComplete }
    $out = @(& rayctl __complete -- @words 2>$null)
    if ($out.Count -eq 0) { return }
    $directive = [int]($out[-1].TrimStart(':'))
    $cands = if ($out.Count -gt 1) { $out[0..($out.Count - 2)] } else { @() }
    foreach ($line in $cands) {
        $value, $description = $line -split "\`t", 2
        if (-not $description) { $description = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $description)
    }
    if ($cands.Count -eq 0 -and ($directive -band 4) -eq 0) {
        Get-ChildItem -Path "$wordToComplete*" -ErrorAction SilentlyContinue |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_.Name, $_.Name, 'ProviderItem', $_.Name) }
    }
}
`,
};

import type { ConformanceCase } from './case.ts';

const TEST =
  "n8n's Execute Command test (nodes/ExecuteCommand/test: 'EC Once' and 'EC All' echo each item's value)";
const NODE =
  "n8n's Execute Command node 2.41 (ExecuteCommand.node.ts: output trimmed; a non-zero exit code fails with stderr, else 'Command failed with exit code N')";

const items = [{ value: 'n8n' }, { value: 'test' }];

/** Each runs with the sandbox turned on (`commands`). */
const cases: ConformanceCase[] = [
  {
    title: 'executeOnce (the default): one run, at the first item',
    node: 'executeCommand',
    version: 1,
    parameters: { command: '=echo {{ $json.value }}' },
    input: items,
    outputs: [[{ exitCode: 0, stderr: '', stdout: 'n8n' }]],
    source: TEST,
  },
  {
    title: 'executeOnce off: one run per item',
    node: 'executeCommand',
    version: 1,
    parameters: { executeOnce: false, command: '=echo {{ $json.value }}' },
    input: items,
    outputs: [
      [
        { exitCode: 0, stderr: '', stdout: 'n8n' },
        { exitCode: 0, stderr: '', stdout: 'test' },
      ],
    ],
    source: TEST,
  },
  {
    title: 'stdout and stderr trimmed',
    node: 'executeCommand',
    version: 1,
    parameters: { command: "printf '\\n  a\\n\\n'; echo ' b ' >&2" },
    outputs: [[{ exitCode: 0, stderr: 'b', stdout: 'a' }]],
    source: NODE,
  },
  {
    title: 'a non-zero exit code fails with stderr',
    node: 'executeCommand',
    version: 1,
    parameters: { command: 'echo oops >&2; exit 2' },
    error: /^oops$/,
    source: NODE,
  },
  {
    title: 'a non-zero exit code without stderr fails naming the code',
    node: 'executeCommand',
    version: 1,
    parameters: { command: 'exit 5' },
    error: /^Command failed with exit code 5$/,
    source: NODE,
  },
  {
    title: "the command's files are the organisation's files",
    node: 'executeCommand',
    version: 1,
    parameters: { command: 'cat data/in.txt; echo out > data/out.txt' },
    files: { 'data/in.txt': 'in\n' },
    outputs: [[{ exitCode: 0, stderr: '', stdout: 'in' }]],
    filesAfter: { 'data/out.txt': 'out\n' },
    source: 'IZA OS: commands work in the folder Read/Write Files from Disk uses (n8n: the host)',
  },
];

export const commandCases: ConformanceCase[] = cases.map((c) => ({ ...c, commands: true }));

# Writes a GoldenCases.*.cs file from the installed sqlite3 3.40.1 shell: each (name, script) is run on a fresh
# `sqlite3 :memory:` and its stdout, stderr and exit code go into the C# source as they are. Shared by the
# generate_*_golden.py scripts beside it.
import json, os, subprocess


def write_cases(file_name, header, method, cases, timeout=60):
    out = [*('// ' + line for line in header), 'namespace FastDb.QueryEngine.Tests.Golden;', '',
           'public static partial class GoldenCases', '{', f'    static GoldenCase[] {method}() =>', '    [']
    for name, script in cases:
        p = subprocess.run(["sqlite3", ":memory:"], input=script.encode(), capture_output=True, timeout=timeout)
        out.append(f'        new({json.dumps(name)},')
        out.append(f'            {json.dumps(script, ensure_ascii=False)},')
        out.append(f'            Stdout: {json.dumps(p.stdout.decode(), ensure_ascii=False)},')
        out.append(f'            Stderr: {json.dumps(p.stderr.decode(), ensure_ascii=False)},')
        out.append(f'            ExitCode: {p.returncode}),')
    out += ['    ];', '}', '']
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name), 'w') as f:
        f.write("\n".join(out))

#!/usr/bin/env python3
"""Checks every #include under src/ against the module table tools/modules.txt.

A module's meson dependency list cannot make a stray include fail the build
(system headers in /usr/include are found whatever a target declares), so
this check does. It fails (exit 1), naming file, line, include and rule, on:
  (a) a third-party header included outside the modules the table gives it
      (and an <header> the table does not know);
  (b) an include of a module the including module may not include;
  (c) a cycle between modules (in the table or in the includes; the files
      of one module may include each other freely);
and on a src/<module>/meson.build naming a <name>_dep the table does not
allow that module, and on an allowance that no longer matches an include.

  tools/check_modules.py [repository root]    (Python 3, standard library)
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
MESON_DEP = re.compile(r'\b([a-z0-9]+)_dep\b')


class Table:
    def __init__(self):
        self.libraries = {}  # name -> [header or dir/ prefix]
        self.system = []
        self.shared = set()
        self.modules = {}  # name -> (allowed module set, library set)
        self.order = []
        self.allow = {}  # (file, include) -> line number in the table
        self.errors = []


def header_matches(header, patterns):
    return any(header.startswith(p) if p.endswith('/') else header == p for p in patterns)


def read_table(path, shown):
    t = Table()
    with open(path, encoding='utf-8') as f:
        for n, raw in enumerate(f, 1):
            line = raw.split('#', 1)[0].strip()
            if not line:
                continue
            word, _, rest = line.partition(' ')
            where = f'{shown}:{n}'
            if word == 'library':
                name, *headers = rest.split()
                t.libraries[name] = headers
            elif word == 'system':
                t.system += rest.split()
            elif word == 'shared':
                t.shared.update(rest.split())
            elif word == 'module':
                parts = [p.strip() for p in rest.split('|')]
                if len(parts) != 3:
                    t.errors.append(f'{where}: want "module <name> | <modules> | <libraries>"')
                    continue
                name, uses, libs = parts[0], set(parts[1].split()), set(parts[2].split())
                for u in sorted(uses):
                    if u not in t.modules:
                        # Listed above means below in the layers: the table
                        # itself can then have no cycle.
                        t.errors.append(f'{where}: rule (c) cycle: {name} may include {u}, '
                                        f'which is not listed above it (a module may include '
                                        f'only modules below it)')
                for lib in sorted(libs - set(t.libraries)):
                    t.errors.append(f'{where}: unknown library {lib}')
                t.modules[name] = (uses, libs)
                t.order.append(name)
            elif word == 'allow':
                fields = rest.split()
                if len(fields) != 2:
                    t.errors.append(f'{where}: want "allow <file> <include>"')
                    continue
                t.allow[(fields[0], fields[1])] = n
            else:
                t.errors.append(f'{where}: unknown line "{word}"')
    return t


def module_of(rel):
    """src/api/user.c -> api; src/main.c -> main; '' outside src/."""
    parts = rel.split('/')
    if parts[0] != 'src':
        return ''
    return 'main' if len(parts) == 2 else parts[1]


def scan(root, t):
    errors = []
    edges = {}  # (from, to) -> first "file:line"
    used_allow = set()
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, 'src')):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, '/')
            mod = module_of(rel)
            if mod not in t.modules:
                errors.append(f'{rel}: module {mod} is not in tools/modules.txt')
                continue
            uses, libs = t.modules[mod]
            with open(path, encoding='utf-8', errors='replace') as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, inc = m.groups()
                    at = f'{rel}:{n}: #include {kind}{inc}{">" if kind == "<" else kind}'
                    if kind == '<':
                        lib = next((l for l, hs in t.libraries.items() if header_matches(inc, hs)), None)
                        if lib is None:
                            if not header_matches(inc, t.system):
                                errors.append(f'{at}: rule (a) libraries: <{inc}> is neither a '
                                              f'library nor a system header of tools/modules.txt')
                        elif lib not in libs:
                            owners = sorted(m2 for m2, (_, ls) in t.modules.items() if lib in ls)
                            errors.append(f'{at}: rule (a) libraries: {lib} is included only by '
                                          f'{", ".join(owners) or "no module"}, not {mod}')
                        continue
                    if '/' not in inc:
                        if inc in t.shared or os.path.exists(os.path.join(dirpath, inc)):
                            continue  # the same module, or a shared top header
                        errors.append(f'{at}: no such header beside {rel}')
                        continue
                    target = inc.split('/', 1)[0]
                    if target == mod:
                        continue
                    if (rel, inc) in t.allow:
                        used_allow.add((rel, inc))
                        continue  # a known violation, reported below as allowed
                    edges.setdefault((mod, target), f'{rel}:{n}')
                    if target not in t.modules:
                        errors.append(f'{at}: rule (b) layers: {target}/ is not a module of '
                                      f'tools/modules.txt')
                    elif target not in uses:
                        may = 'only ' + ' '.join(sorted(uses)) if uses else 'no module'
                        errors.append(f'{at}: rule (b) layers: {mod} may include {may}, '
                                      f'not {target}')
    for (rel, inc), n in sorted(t.allow.items(), key=lambda kv: kv[1]):
        if (rel, inc) not in used_allow:
            errors.append(f'tools/modules.txt:{n}: allowance "{rel} {inc}" matches no include '
                          f'any more: delete it')
    errors += find_cycles(edges)
    return errors, sorted(used_allow, key=lambda a: t.allow[a])


def find_cycles(edges):
    """One message per strongly connected component of more than one module."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    out = []
    for comp in comps:
        out.append(f'rule (c) cycle between modules: {shortest_cycle(comp, graph, edges)}'
                   + (f' (all of {" ".join(comp)} are in one circle)' if len(comp) > 2 else ''))
    return out


def shortest_cycle(comp, graph, edges):
    """The shortest circle through the component's first module, each step with its include."""
    start = comp[0]
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                path.reverse()
                path.append(start)
                return ' -> '.join(f'{a} ({edges[(a, b)]})' for a, b in zip(path, path[1:])) + \
                    f' -> {start}'
            if w in comp and w not in prev:
                prev[w] = v
                queue.append(w)
    return ' '.join(comp)


def check_meson(root, t):
    """A module's meson.build may name only the _dep of modules and libraries it may use."""
    errors = []
    extra = {'threads', 'm', 'check'}  # system libraries, and the unit tests' framework
    for mod in t.order:
        path = os.path.join(root, 'src', mod, 'meson.build')
        if not os.path.exists(path):
            continue
        uses, libs = t.modules[mod]
        with open(path, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                code = line.split('#', 1)[0]
                for name in MESON_DEP.findall(code):
                    if name == mod or name in uses or name in libs or name in extra:
                        continue
                    may = 'only ' + ' '.join(sorted(uses | libs)) if uses | libs else 'nothing'
                    errors.append(f'src/{mod}/meson.build:{n}: {name}_dep: {mod} may use {may}')
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    t = read_table(os.path.join(root, 'tools', 'modules.txt'), 'tools/modules.txt')
    errors = list(t.errors)
    if not errors:
        found, allowed = scan(root, t)
        errors += found + check_meson(root, t)
        for rel, inc in allowed:
            print(f'allowed for now (tools/modules.txt:{t.allow[(rel, inc)]}): {rel} includes {inc}',
                  file=sys.stderr)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f'check_modules: {len(errors)} problem(s); the table is tools/modules.txt',
              file=sys.stderr)
        return 1
    print('check_modules: every #include keeps tools/modules.txt', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())

import { sideBySide } from './side-by-side';

describe('sideBySide', () => {
  it('puts removed lines beside the added lines that replaced them, context on both sides', () => {
    const unified = [
      '--- v1',
      '+++ v2',
      '@@ -1,4 +1,5 @@',
      ' hostname core-1',
      '-ntp server 10.0.0.1',
      '-snmp-server community old',
      '+ntp server 10.0.0.2',
      ' interface Gi0/1',
      '+ description uplink',
      '+ mtu 9000',
      ' end',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect(sideBySide(unified)).toEqual([
      { kind: 'hunk', header: '@@ -1,4 +1,5 @@' },
      {
        kind: 'context',
        left: { line: 1, text: 'hostname core-1' },
        right: { line: 1, text: 'hostname core-1' },
      },
      {
        kind: 'change',
        left: { line: 2, text: 'ntp server 10.0.0.1' },
        right: { line: 2, text: 'ntp server 10.0.0.2' },
      },
      { kind: 'change', left: { line: 3, text: 'snmp-server community old' }, right: null },
      {
        kind: 'context',
        left: { line: 4, text: 'interface Gi0/1' },
        right: { line: 3, text: 'interface Gi0/1' },
      },
      { kind: 'change', left: null, right: { line: 4, text: ' description uplink' } },
      { kind: 'change', left: null, right: { line: 5, text: ' mtu 9000' } },
      { kind: 'context', left: { line: 5, text: 'end' }, right: { line: 6, text: 'end' } },
    ]);
  });

  it('numbers each hunk from its header, and has no rows for equal configs', () => {
    const rows = sideBySide('--- a\n+++ b\n@@ -10,2 +12,2 @@\n a\n-b\n+c\n@@ -40 +42 @@\n-x\n+y\n');
    expect(rows.filter((r) => r.kind === 'hunk')).toHaveLength(2);
    expect(rows.at(-1)).toEqual({
      kind: 'change',
      left: { line: 40, text: 'x' },
      right: { line: 42, text: 'y' },
    });
    expect(sideBySide('')).toEqual([]);
  });
});

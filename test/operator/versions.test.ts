/**
 * The operator's one comparison of versions (lib/operator/versions.ts): dotted whole numbers, part by part, never as
 * text. The lists below are in Azure's order, sorted as text, which differs from their order as versions.
 */
import { compareVersions, DOTTED_NUMBERS, newestVersion } from '../../lib/operator/versions';

/** Windows Server 2025 Datacenter's versions as Azure lists them, sorted as text (terraform-provider-azurerm issue 31577). */
const TEXT_ORDER = ['26100.2033.241004', '26100.32230.260111', '26100.4061.250518', '26100.4652.250708'];

describe('compareVersions', () => {
  test('a list in text order is not in version order: the text-last is older than the text-second', () => {
    expect([...TEXT_ORDER].sort()).toEqual(TEXT_ORDER);
    expect(compareVersions('26100.4652.250708', '26100.32230.260111')).toBeLessThan(0);
    expect(compareVersions('26100.32230.260111', '26100.4652.250708')).toBeGreaterThan(0);
  });

  test('sorting with it gives the versions in numeric order', () => {
    expect([...TEXT_ORDER].sort(compareVersions)).toEqual(['26100.2033.241004', '26100.4061.250518', '26100.4652.250708', '26100.32230.260111']);
  });

  test.each([
    ['2.9.0', '2.10.0', -1],
    ['2.10.0', '2.44.0', -1],
    ['2.74.0', '2.44.0', 1],
    ['2.44.0', '2.44.0', 0],
    // RHEL 8.10 after 8.9 (azure-rest-api-specs issue 30142).
    ['8.9.2024022012', '8.10.2024070513', -1],
    // Leading zeros do not count; a missing part is 0.
    ['1.010.0', '1.10.0', 0],
    ['2.44', '2.44.0', 0],
    ['2.44.1', '2.44', 1],
    // Parts beyond floating-point precision are compared exactly (2^53 + 1 against 2^53).
    ['1.9007199254740993.0', '1.9007199254740992.0', 1],
    ['1.99999999999999999999', '1.100000000000000000000', -1],
  ])('%s against %s: %d', (a, b, order) => {
    expect(Math.sign(compareVersions(a, b))).toBe(order);
    expect(Math.sign(compareVersions(b, a))).toBe(order === 0 ? 0 : -order);
  });

  test.each(['', 'latest', '2.44.0b1', '1..2', '.1', '1.', '-1.0', '1.0 '])('%p is not a dotted version: refused, not guessed', (version) => {
    expect(DOTTED_NUMBERS.test(version)).toBe(false);
    expect(() => compareVersions(version, '1.0.0')).toThrow(/not a dotted version number/);
    expect(() => compareVersions('1.0.0', version)).toThrow(/not a dotted version number/);
  });
});

describe('newestVersion', () => {
  test('the newest as a number, not the last in text order', () => {
    expect(TEXT_ORDER[TEXT_ORDER.length - 1]).toBe('26100.4652.250708');
    expect(newestVersion(TEXT_ORDER)).toBe('26100.32230.260111');
  });

  test('wherever the newest is in the list', () => {
    for (let i = 0; i < TEXT_ORDER.length; i++) {
      const rotated = [...TEXT_ORDER.slice(i), ...TEXT_ORDER.slice(0, i)];
      expect(newestVersion(rotated)).toBe('26100.32230.260111');
    }
  });

  test('none of an empty list; the one of a single', () => {
    expect(newestVersion([])).toBeUndefined();
    expect(newestVersion(['1.0.0'])).toBe('1.0.0');
  });
});

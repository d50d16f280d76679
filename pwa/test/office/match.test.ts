import { describe, expect, it } from 'vitest';

import { matchPath, officeHref } from '../../src/office/match';

const routes = [
  { id: 'home', path: '' },
  { id: 'users', path: 'users' },
  { id: 'user', path: 'users/:id' },
  { id: 'new-user', path: 'users/new' },
  { id: 'diff', path: 'schemes/:a/diff/:b' },
];

describe('matchPath', () => {
  it('matches the home, literal paths and parameters', () => {
    expect(matchPath([], routes)?.route.id).toBe('home');
    expect(matchPath(['users'], routes)?.route.id).toBe('users');
    expect(matchPath(['users', 'abc'], routes)).toEqual({ route: routes[2], params: { id: 'abc' } });
    expect(matchPath(['schemes', 'x', 'diff', 'y'], routes)?.params).toEqual({ a: 'x', b: 'y' });
  });

  it('prefers a literal segment over a parameter, whatever the order of registration', () => {
    expect(matchPath(['users', 'new'], routes)?.route.id).toBe('new-user');
  });

  it('finds nothing for unknown or partial paths', () => {
    expect(matchPath(['nope'], routes)).toBeNull();
    expect(matchPath(['users', 'a', 'b'], routes)).toBeNull();
    expect(matchPath(['schemes', 'x', 'other', 'y'], routes)).toBeNull();
  });
});

describe('officeHref', () => {
  it('builds hash links with encoded segments', () => {
    expect(officeHref()).toBe('#/office');
    expect(officeHref('')).toBe('#/office');
    expect(officeHref('users', 'a b')).toBe('#/office/users/a%20b');
    expect(officeHref('schemes/x/diff/y')).toBe('#/office/schemes/x/diff/y');
  });
});

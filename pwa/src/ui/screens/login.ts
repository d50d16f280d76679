/** `#/login`: email and password (the data layer fetches the CSRF token first). */

import { ApiError, NetworkError } from '../../data/api';
import { enablePush } from '../../data/push';
import { login } from '../../data/session';
import { homeFor, type Screen } from '../app';
import { h, replace } from '../h';

export const loginScreen: Screen = (app, root) => {
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert', hidden: true });
  const email = h('input', {
    id: 'login-email',
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    inputmode: 'email',
    required: true,
  });
  const password = h('input', {
    id: 'login-password',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { id: 'login-submit', class: 'button button--primary button--block', type: 'submit' }, app.t('login.submit'));
  const form = h(
    'form',
    { id: 'login-form', class: 'card stack', novalidate: true },
    h('h2', null, app.t('login.title')),
    h('label', { class: 'field' }, h('span', null, app.t('login.email')), email),
    h('label', { class: 'field' }, h('span', null, app.t('login.password')), password),
    error,
    submit,
    h('p', { class: 'hint' }, app.t('login.pairHint')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!email.value.trim() || !password.value) {
      error.hidden = false;
      error.textContent = app.t('login.missing');
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    login(email.value.trim(), password.value)
      .then((me) => {
        app.me = me;
        // Ask for notifications once signed in; a refusal changes nothing else.
        void enablePush().catch(() => 'unsupported');
        app.navigate(homeFor(me));
      })
      .catch((reason: unknown) => {
        submit.disabled = false;
        error.hidden = false;
        if (reason instanceof NetworkError) error.textContent = app.t('login.offline');
        else if (reason instanceof ApiError && reason.code === 'INVALID_CREDENTIALS') error.textContent = app.t('login.invalid');
        else error.textContent = reason instanceof Error ? reason.message : String(reason);
      });
  });
  replace(root, form);
  email.focus();
};

/**
 * Review, decision and certificates (issue 12, CQC rule §6, §9): the independent reviewer's
 * queue and file, the decision on the same page, and the body's certificates.
 */

import { registerHomePanel, registerOfficeRoute } from '../registry';
import { defineMessages } from '../messages';

const m = defineMessages(
  { review: '复核与认证决定', file: '认证文件', certificates: '证书', certificate: '证书' },
  { review: 'Review and decision', file: 'Certification file', certificates: 'Certificates', certificate: 'Certificate' },
);

// Reviewers review and decide (the server lets in only those never on the audit team).
registerOfficeRoute({
  id: 'review',
  path: 'review',
  roles: ['reviewer'],
  title: (app) => m(app, 'review'),
  nav: { group: 'work', order: 25 },
  load: () => import('./queue').then((mod) => mod.queueView),
});
registerOfficeRoute({
  id: 'review-file',
  path: 'review/:id',
  roles: ['reviewer'],
  title: (app) => m(app, 'file'),
  load: () => import('./file').then((mod) => mod.fileView),
});
// Administrators issue and manage certificates; reviewers read them (backend/certificates/routes.py).
registerOfficeRoute({
  id: 'certificates',
  path: 'certificates',
  roles: ['admin', 'reviewer'],
  title: (app) => m(app, 'certificates'),
  nav: { group: 'work', order: 35 },
  load: () => import('./certificates').then((mod) => mod.certificatesView),
});
registerOfficeRoute({
  id: 'certificate',
  path: 'certificates/:id',
  roles: ['admin', 'reviewer'],
  title: (app) => m(app, 'certificate'),
  load: () => import('./certificate').then((mod) => mod.certificateView),
});

registerHomePanel({ id: 'files-to-review', roles: ['reviewer'], order: 35, wide: true, load: () => import('./queue').then((mod) => mod.queuePanel) });
registerHomePanel({ id: 'certificates-to-issue', roles: ['admin'], order: 25, wide: true, load: () => import('./certificates').then((mod) => mod.toIssuePanel) });

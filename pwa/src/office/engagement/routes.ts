/** The engagement page (issue 10): where an engagement stands, its scores, its review queue. */

import { registerOfficeRoute } from '../registry';
import { defineMessages } from '../messages';

const m = defineMessages({ engagement: '认证项目概况' }, { engagement: 'Engagement status' });

registerOfficeRoute({
  id: 'engagement',
  path: 'engagements/:id/overview',
  // The audit team's leader, independent reviewers and administrators (they read the scores;
  // the field-work counts and open flags need Need.EVALUATIONS, which administrators lack).
  roles: ['team_leader', 'reviewer', 'admin'],
  title: (app) => m(app, 'engagement'),
  load: () => import('./overview').then((mod) => mod.engagementOverviewView),
});

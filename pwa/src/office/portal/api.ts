/** Shapes of the portal answers (backend/planning/schemas.py Portal*, evaluations ScoresSchema). */

import type { DocumentReview, PlanContent } from '../planning/api';
import type { Text } from '../types';

export interface PortalEngagement {
  id: string;
  title: string;
  kind: string;
  status: string;
  modes: string[];
  starts_on: string;
  ends_on: string;
  plan_status: string | null;
  plan_revision: number | null;
  accepted_evaluations: number;
  document_review: DocumentReview | null;
}

export interface PortalPlan {
  engagement_id: string;
  status: string;
  revision: number;
  confirmed_revision: number | null;
  issued_at: string;
  confirmed_at: string | null;
  content: PlanContent;
}

interface ScoreValue {
  score: number | null;
  exact: string | null;
}

export interface Scores {
  accepted_evaluations: number;
  survey_answers: number;
  evaluations_counted: number;
  overall: ScoreValue & { method: string };
  per_site: (ScoreValue & { site_id: string; site_name: string; evaluations_counted: number })[];
  per_characteristic: (ScoreValue & { code: string; title: Text })[];
}

/** Two decimals, as the decision rules show scores (DOMAIN.md "Compare unrounded values"). */
export function score(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

/**
 * Every office feature's routes, one import line each (registry.ts explains the parts).
 * A feature folder's `routes.ts` registers its screens and home panels; the screens themselves
 * stay behind dynamic imports there.
 */
import './home/routes';
import './admin/routes';
import './schemes/routes';
import './directory/routes';
import './planning/routes';
import './portal/routes';
import './ncs/routes';
import './calendar/routes';
import './engagement/routes';
import './decide/routes';

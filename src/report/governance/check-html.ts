/** `meshgate check --format html`: the governance report of one check run (its JSON report, aggregated). */
import { toJsonReport } from '../json.js';
import type { Report } from '../model.js';
import { GovernanceAggregator } from './aggregate.js';
import { renderGovernanceHtml } from './html.js';

/** Renders the HTML governance report of one run (`now` for reproducible output). */
export function renderCheckHtml(report: Report, now?: Date): string {
  const agg = new GovernanceAggregator(now === undefined ? {} : { now });
  agg.addCheckReport(toJsonReport(report), 'meshgate check');
  return renderGovernanceHtml(agg.finish());
}

/** Demo rows for the products in ./products (a real proxy queries the warehouse instead). */
import type { Tables } from './proxy.js';

/** Rows by data product id. */
export const DEMO_TABLES: Tables = {
  customer360: [
    { customer_id: 'c-1', email: 'ana@example.com', phone: '+34 600 000 001', customer_segment: 'gold', gdpr_opt_out: false },
    { customer_id: 'c-2', email: 'ben@example.com', phone: '+44 7700 900002', customer_segment: 'silver', gdpr_opt_out: true },
    { customer_id: 'c-3', email: 'chen@example.com', phone: '+1 555 0103', customer_segment: 'gold', gdpr_opt_out: false },
  ],
  campaign_stats: [
    { campaign_id: 'spring', impressions: 120000, clicks: 3400 },
    { campaign_id: 'summer', impressions: 98000, clicks: 2100 },
  ],
};

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  notes: string[];
}
export function summarize(reports: { label: string; report: unknown }[]): Summary;
export function readReport(path: string): unknown;

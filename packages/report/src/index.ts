/**
 * HTML reports of AD-Drop runs and sweeps.
 *
 * @since 0.1.0
 */
export * as Html from "./Html.js"
export type * from "./ReportData.js"
export * as SweepPage from "./SweepPage.js"

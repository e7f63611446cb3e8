/**
 * HTML reports of AD-Drop runs.
 *
 * @since 0.1.0
 */
export * as Html from "./Html.js"
export type * from "./ReportData.js"

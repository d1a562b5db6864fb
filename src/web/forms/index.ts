/** The HTML of online application forms: pages with their fields and errors, and "check your answers". */
export { errorSummary, inputId, pageTitle, renderPage, type RenderPageOptions } from './render.js';
export { answerHtml, renderAnswersSummary, type SummaryOptions } from './summary.js';

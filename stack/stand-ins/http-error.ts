// An error a stand-in's route throws to answer with an HTTP status and message
// (shared by the Loki and Grafana stand-ins, whose servers map it to their error bodies).
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

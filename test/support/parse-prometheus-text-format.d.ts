/** The parser ships no types: it turns exposition text into prom2json-shaped families. */
declare module "parse-prometheus-text-format" {
  const parsePrometheusTextFormat: (text: string) => unknown;
  export default parsePrometheusTextFormat;
}

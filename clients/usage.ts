// A small front end's use of the generated types: `tsc --noEmit` checks it against openapi.yaml.
import type { components, paths } from "../build/clients/typescript/distance";

type Guide = paths["/v1/guide"]["get"]["responses"][200]["content"]["application/json"];
type Card = components["schemas"]["CardOut"];
type Disagreements = paths["/v1/disagreements"]["get"]["responses"][200]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];

export async function guide(base: string, signs: string[]): Promise<Guide | Problem> {
  const query: paths["/v1/guide"]["get"]["parameters"]["query"] = { signs };
  const params = new URLSearchParams(query.signs.map((sign) => ["signs", sign]));  // repeated, as the contract says
  const response = await fetch(`${base}/v1/guide?${params}`);
  return (await response.json()) as Guide | Problem;
}

export function topReason(body: Guide): string | undefined {
  const first = body.reasons[0];
  return first ? `${first.reason.label} (score ${first.score}, ${first.because.length} signs)` : undefined;
}

export function citeCard(card: Card): string[] {
  const lines = card.citations.map((c) => `“${c.quote}”: ${c.title}${c.author ? `, ${c.author}` : ""}`);
  for (const group of card.relations) {
    lines.push(`${group.label}: ${group.items.map((item) => item.node.label ?? item.node.id).join(", ")}`);
  }
  return lines;
}

export function sides(body: Disagreements): Array<[string, string]> {
  return body.items.map((d) => [d.sides[0].node.id, d.sides[1].node.id]);
}

/** A detection before overlap resolution; a lower `rank` is more specific. */
export interface RankedSpan {
  start: number;
  end: number;
  rank: number;
}

/**
 * Keeps a set of non-overlapping spans, sorted by start: within each cluster of (transitively)
 * overlapping spans, the longest wins, then the lowest rank, then the earliest start; then the
 * next longest that does not overlap a kept one, and so on. Clusters are found in one sweep after
 * sorting, so the cost is O(n log n) and the greedy step only ever sees the few spans that
 * actually overlap.
 */
export function resolveOverlaps<T extends RankedSpan>(spans: T[]): T[] {
  if (spans.length <= 1) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const kept: T[] = [];
  let cluster: T[] = [];
  let clusterEnd = -1;
  const flush = () => {
    if (cluster.length === 1) kept.push(cluster[0] as T);
    else if (cluster.length > 1) kept.push(...pickFromCluster(cluster));
    cluster = [];
  };
  for (const span of spans) {
    if (span.start >= clusterEnd) {
      flush();
      clusterEnd = span.end;
    } else {
      clusterEnd = Math.max(clusterEnd, span.end);
    }
    cluster.push(span);
  }
  flush();
  return kept;
}

function pickFromCluster<T extends RankedSpan>(cluster: T[]): T[] {
  const byPreference = [...cluster].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || a.rank - b.rank || a.start - b.start,
  );
  const chosen: T[] = [];
  for (const span of byPreference) {
    if (chosen.every((other) => span.end <= other.start || span.start >= other.end)) chosen.push(span);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

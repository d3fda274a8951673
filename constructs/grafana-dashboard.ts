import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';

/** A PromQL query of a panel. */
export interface DashboardQuery {
  readonly expr: string;
  /**
   * Legend of each series, with `{{label}}` placeholders.
   * @default - Grafana's default (the series labels)
   */
  readonly legend?: string;
}

export interface DashboardPanel {
  readonly title: string;
  /** One line for the panel's info tooltip. @default - none */
  readonly description?: string;
  /** @default "timeseries" */
  readonly kind?: 'timeseries' | 'stat' | 'gauge';
  /** Grafana unit id, e.g. "percentunit", "bytes", "celsius", "watt", "reqps", "s". @default "short" */
  readonly unit?: string;
  /** Lower bound of the axis or gauge. @default - automatic */
  readonly min?: number;
  /** Upper bound of the axis or gauge. @default - automatic */
  readonly max?: number;
  /** Columns out of Grafana's 24. @default 12 for time series, 6 for stat and gauge panels */
  readonly width?: number;
  readonly queries: readonly DashboardQuery[];
}

export interface GrafanaDashboardProps {
  /** ConfigMap name; also the JSON file name Grafana's sidecar writes. */
  readonly name: string;
  /** Namespace the Grafana dashboard sidecar watches. */
  readonly namespace: string;
  readonly title: string;
  /**
   * Stable dashboard id (links and bookmarks keep working across releases); at most 40 characters.
   * @default - the ConfigMap name
   */
  readonly uid?: string;
  /** @default - none */
  readonly tags?: readonly string[];
  /** Panels in reading order; they flow left to right, wrapping at 24 columns. */
  readonly panels: readonly DashboardPanel[];
  /** @default "1m" */
  readonly refresh?: string;
  /** Label (name and value) the Grafana sidecar selects dashboards by. @default - grafana_dashboard: "1" */
  readonly sidecarLabel?: { readonly name: string; readonly value: string };
}

const GRID_COLUMNS = 24;
const MAX_UID_LENGTH = 40;
const GRAFANA_SCHEMA_VERSION = 39;

/**
 * A Grafana dashboard generated from code, shipped as a ConfigMap the Grafana sidecar loads. Queries reach Prometheus
 * through a data source variable, so the dashboard does not depend on a data source uid.
 */
export class GrafanaDashboard extends Construct {
  /** The dashboard model, as written into the ConfigMap. */
  public readonly json: Readonly<Record<string, unknown>>;
  public readonly uid: string;
  public readonly apiObject: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    this.uid = props.uid ?? props.name;
    if (this.uid.length > MAX_UID_LENGTH) {
      throw new Error(`GrafanaDashboard ${props.name}: uid "${this.uid}" is ${this.uid.length} characters; Grafana allows ${MAX_UID_LENGTH}, give a shorter uid`);
    }
    if (props.panels.length === 0) throw new Error(`GrafanaDashboard ${props.name}: panels is empty; give at least one panel`);

    const datasource = { type: 'prometheus', uid: '${datasource}' };
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    const panels = props.panels.map((p, i) => {
      const kind = p.kind ?? 'timeseries';
      const w = p.width ?? (kind === 'timeseries' ? 12 : 6);
      if (!Number.isInteger(w) || w < 1 || w > GRID_COLUMNS) {
        throw new Error(`GrafanaDashboard ${props.name}: panel "${p.title}" has width ${w}; use a whole number of columns from 1 to ${GRID_COLUMNS}`);
      }
      if (p.queries.length === 0) throw new Error(`GrafanaDashboard ${props.name}: panel "${p.title}" has no queries; give at least one`);
      const h = kind === 'timeseries' ? 8 : 5;
      if (x + w > GRID_COLUMNS) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const gridPos = { x, y, w, h };
      x += w;
      rowHeight = Math.max(rowHeight, h);
      return {
        id: i + 1,
        type: kind,
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        datasource,
        gridPos,
        fieldConfig: {
          defaults: { unit: p.unit ?? 'short', ...(p.min !== undefined ? { min: p.min } : {}), ...(p.max !== undefined ? { max: p.max } : {}) },
          overrides: [],
        },
        options:
          kind === 'timeseries'
            ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } }
            : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, orientation: 'auto', ...(kind === 'stat' ? { colorMode: 'value', graphMode: 'area' } : {}) },
        targets: p.queries.map((q, j) => ({
          refId: String.fromCharCode(65 + j),
          datasource,
          expr: q.expr,
          ...(q.legend ? { legendFormat: q.legend } : {}),
        })),
      };
    });

    this.json = {
      uid: this.uid,
      title: props.title,
      tags: [...(props.tags ?? [])],
      editable: false,
      schemaVersion: GRAFANA_SCHEMA_VERSION,
      version: 1,
      refresh: props.refresh ?? '1m',
      time: { from: 'now-6h', to: 'now' },
      timezone: 'browser',
      templating: {
        list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0, current: {} }],
      },
      panels,
    };
    const label = props.sidecarLabel ?? { name: 'grafana_dashboard', value: '1' };
    this.apiObject = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { [label.name]: label.value } },
      data: { [`${props.name}.json`]: `${JSON.stringify(this.json, null, 2)}\n` },
    });
  }
}

import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { KubeObject } from '../core/kube-object';

export interface UniformObjectsProps<M> {
  /** The object built for the first member, as a construct: every check of the tree sees it like any other object. */
  readonly representative: ApiObject;
  /** The other members, each written as a copy of the representative's rendered object with its own values. */
  readonly members: readonly M[];
  /**
   * Puts a member's own values into a copy of the representative's rendered object (names, keys, addresses). It may
   * change string values only, never the object's shape: the checks see the representative and count the rest.
   */
  readonly vary: (copy: KubeObject, member: M) => void;
}

/**
 * Objects that differ only in a few string values, one per member of a list that grows with the site (an Argo CD
 * cluster ExternalSecret per edge: 100,000 for a large fleet). Only the representative is a construct; the synth
 * driver renders it once (with whatever the Argo CD Applications added to it, such as sync options) and writes one
 * file per member from copies of that rendering, so no construct, props or JSON object is kept per member. The checks
 * check the representative and `count` says how many objects it stands for: sound because every member is the same
 * object with other strings in the same fields, and no check decides on those strings' values (names and addresses
 * are checked in the model, where every member is checked).
 */
export class UniformObjects<M = unknown> extends Construct {
  /** Every UniformObjects in `root`. */
  public static in(root: IConstruct): UniformObjects[] {
    return root.node.findAll().filter((c): c is UniformObjects => c instanceof UniformObjects);
  }

  public readonly representative: ApiObject;
  private readonly props: UniformObjectsProps<M>;

  constructor(scope: Construct, id: string, props: UniformObjectsProps<M>) {
    super(scope, id);
    this.representative = props.representative;
    this.props = props;
  }

  /** Objects written in all: the representative and the other members. */
  public get count(): number {
    return 1 + this.props.members.length;
  }

  /** Each other member's object, made from `rendered` (the representative as the tree holds it) one at a time. */
  public *objects(rendered: KubeObject): Generator<KubeObject> {
    const object = this.objectOf(rendered);
    for (let i = 0; i < this.props.members.length; i += 1) yield object(i);
  }

  /**
   * The object of the other member at an index (0 is the first member after the representative), made from `rendered`
   * again on every call: the synth driver renders a member's file when it is read rather than keeping its text. The
   * function holds the members and `rendered` only, not this construct (whose scope is the whole cdk8s app).
   */
  public objectOf(rendered: KubeObject): (index: number) => KubeObject {
    const { members, vary } = this.props;
    return (index) => {
      const copy = structuredClone(rendered);
      vary(copy, members[index]);
      return copy;
    };
  }
}

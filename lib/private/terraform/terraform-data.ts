/**
 * Terraform's built-in `terraform_data` resource, declared without cdktf's `DataResource` (which runs Terraform at synth).
 */
import { TerraformMetaArguments, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

export interface TerraformDataConfig extends TerraformMetaArguments {
  /** Replaces the resource (and reruns its provisioners) whenever this value changes. */
  readonly triggersReplace?: unknown;
  /** Stored in state and echoed as `output`. */
  readonly input?: unknown;
}

/**
 * Terraform's built-in `terraform_data`, declared as a plain resource. cdktf's own `DataResource`
 * runs `terraform version` at every synth (about 120 ms each, and synth fails where Terraform is absent).
 */
export class TerraformData extends TerraformResource {
  public static readonly TYPE = 'terraform_data';

  private readonly triggersReplace?: unknown;
  private readonly input?: unknown;

  constructor(scope: Construct, id: string, config: TerraformDataConfig = {}) {
    super(scope, id, {
      terraformResourceType: TerraformData.TYPE,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
      provisioners: config.provisioners,
      connection: config.connection,
    });
    this.triggersReplace = config.triggersReplace;
    this.input = config.input;
  }

  /** The Terraform address, for `lifecycle.replace_triggered_by` (a token there would render as an invalid `${...}`). */
  public get address(): string {
    return `${TerraformData.TYPE}.${this.friendlyUniqueId}`;
  }

  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** The `input` value after apply (known at plan time when the input is). */
  public get output(): string {
    return this.getStringAttribute('output');
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return {
      triggers_replace: this.triggersReplace,
      input: this.input,
    };
  }
}

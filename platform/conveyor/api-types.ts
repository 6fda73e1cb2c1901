/**
 * TypeScript shapes of the request and resource objects in specs/conveyor/openapi.yaml.
 * Request bodies reach handlers only after Ajv validated them against the spec, so handlers may
 * treat them as these types.
 */

export type WorkflowStatus = 'DRAFT' | 'PUBLISHED' | 'ARCHIVED';
export type ExecutionStatus = 'QUEUED' | 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type ExecutionMode = 'production' | 'test';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type WorkspaceRole = 'owner' | 'editor' | 'viewer';
export type ConnectionType = 'http_bearer' | 'smtp' | 'oauth2' | 'postgres' | 'slack';
export type SearchHitType = 'workflow' | 'execution' | 'connection' | 'schedule';

export const BLOCK_TYPES = [
  'trigger_manual',
  'trigger_schedule',
  'trigger_webhook',
  'http_request',
  'transform',
  'condition',
  'human_input',
  'send_email',
  'delay',
] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

export interface Block {
  id: string;
  type: BlockType;
  name: string;
  config: Record<string, unknown>;
  position?: { x: number; y: number };
}

export interface Edge {
  from: string;
  to: string;
  branch?: 'true' | 'false';
}

export interface Variable {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'object' | 'array';
  required?: boolean;
  default?: unknown;
  description?: string;
}

export interface WorkflowSettings {
  timezone: string;
  timeoutSeconds: number;
  saveExecutionLogs: boolean;
  errorNotificationEmail: string | null;
}

export interface HumanInputField {
  name: string;
  label: string;
  type: 'string' | 'number' | 'boolean' | 'choice';
  required: boolean;
  options?: string[];
}

export interface CreateWorkflowRequest {
  name: string;
  description: string;
  tags?: string[];
  blocks?: Block[];
  edges?: Edge[];
  variables?: Variable[];
  settings?: Partial<WorkflowSettings>;
}

export type UpdateWorkflowRequest = Partial<CreateWorkflowRequest>;

export interface StartExecutionRequest {
  input: Record<string, unknown>;
  mode: ExecutionMode;
}

export interface SubmitHumanInputRequest {
  inputId: string;
  values: Record<string, unknown>;
}

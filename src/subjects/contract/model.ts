/**
 * The canonical data-contract model: one shape whatever the source format (the seed's shapes, Data
 * Contract Specification, ODCS v2/v3). Policies see exactly this as `input.contract`.
 */
import type { Location } from '../../errors.js';

/** Source formats the importers recognise. */
export type ContractFormat = 'seed-map' | 'seed-fields' | 'seed-stream' | 'seed-json' | 'dcs' | 'odcs-v2' | 'odcs-v3';

/** All recognised formats, in detection order. */
export const CONTRACT_FORMATS: readonly ContractFormat[] = ['dcs', 'odcs-v3', 'odcs-v2', 'seed-json', 'seed-stream', 'seed-fields', 'seed-map'];

/** Value constraints of a field (absent keys: no constraint). */
export interface FieldConstraints {
  /** Inclusive lower bound. */
  minimum?: number;
  /** Inclusive upper bound. */
  maximum?: number;
  /** Exclusive lower bound. */
  exclusive_minimum?: number;
  /** Exclusive upper bound. */
  exclusive_maximum?: number;
  /** Shortest string. */
  min_length?: number;
  /** Longest string. */
  max_length?: number;
  /** Regular expression values must match. */
  pattern?: string;
  /** A named format (date-time, email, uuid...). */
  format?: string;
  /** Other constraint words of the source (`primary_key`, `business_rule: ...`). */
  other: string[];
}

/** One schema field (a column, a property, a record member), possibly with nested fields. */
export interface ContractField {
  /** Field name. */
  name: string;
  /** Declared type, as written (`string`, `decimal(10,2)`, `array`, `record`). */
  type?: string;
  /** Must be present. */
  required: boolean;
  /** Values are unique. */
  unique: boolean;
  /** Null is allowed. */
  nullable: boolean;
  /** Part of the primary key. */
  primary_key: boolean;
  /** Classification tag (public, internal, confidential, restricted, pii...). */
  classification?: string;
  /** Personally identifiable information. */
  pii: boolean;
  /** The element holding this field's encrypted value (ODCS `encryptedName` / `encryptedColumnName`). */
  encrypted_name?: string;
  /** Semantic type (global_identifier, global_customer_uuid...). */
  semantic_type?: string;
  /** Description. */
  description?: string;
  /** Business rule text. */
  business_rule?: string;
  /** Value constraints. */
  constraints: FieldConstraints;
  /** Allowed values, when an enumeration. */
  enum?: string[];
  /** Field-level tags. */
  tags: string[];
  /** Nested fields (records, objects, array items). */
  fields: ContractField[];
}

/** Where and how a data product is served. */
export interface OutputPort {
  /** Port name. */
  name?: string;
  /** Kind of port: files or lakehouse tables in storage, a database, a stream, an API, or unknown. */
  kind: 'storage' | 'database' | 'stream' | 'api' | 'unknown';
  /** Storage or serialization format (delta, iceberg, parquet, avro, json...), lower-cased. */
  format?: string;
  /** Location (URL, topic, table). */
  location?: string;
  /** Server or platform type (s3, kafka, postgres...). */
  type?: string;
}

/** A service-level objective, parsed. */
export interface Slo {
  /** Objective name (freshness, availability, latency, completeness...). */
  name: string;
  /** The threshold as written. */
  raw: string | number | null;
  /** What the threshold measures. */
  unit: 'seconds' | 'percent' | 'number' | 'text';
  /** Duration thresholds, in seconds. */
  seconds?: number;
  /** Percentage thresholds, 0–100. */
  percent?: number;
  /** Plain numeric thresholds. */
  value?: number;
  /** Comparison written before the threshold (`>`, `<`, `>=`, `<=`). */
  operator?: string;
  /** False when the threshold looks like a duration or percentage but is not well formed. */
  valid: boolean;
  /** Description or objective text. */
  description?: string;
}

/** A data quality rule. */
export interface QualityRule {
  /** Rule or metric name. */
  name: string;
  /** Threshold as written. */
  threshold?: string | number;
  /** Rule expression. */
  rule?: string;
  /** Column or field it applies to. */
  column?: string;
  /** Description. */
  description?: string;
}

/** A governance rule (the seed's `governance_rules`: condition → action such as ENCRYPT). */
export interface GovernanceRule {
  /** Rule id. */
  id?: string;
  /** Description. */
  description?: string;
  /** Condition text. */
  condition?: string;
  /** Action, upper-cased (ENCRYPT, MASK...). */
  action?: string;
  /** Algorithm (AES256_GCM...). */
  algorithm?: string;
}

/** Something the importer noticed but did not refuse: a newer standard version, a schema violation. */
export interface ImportWarning {
  /** Rule id the policy reports it under (`contract_schema_violation`, `contract_standard_version_newer`). */
  rule: string;
  /** What was noticed. */
  message: string;
}

/** The canonical contract. */
export interface DataContract {
  /** Data product / contract id. */
  id?: string;
  /** Name. */
  name?: string;
  /** Version as written. */
  version?: string;
  /** Domain as written. */
  domain?: string;
  /** Owner (team, e-mail). */
  owner?: string;
  /** Lifecycle status. */
  status?: string;
  /** Description. */
  description?: string;
  /** Source format the contract was imported from. */
  source_format: ContractFormat;
  /** Output ports. */
  output_ports: OutputPort[];
  /** Schema fields. */
  fields: ContractField[];
  /** Service-level objectives. */
  slos: Slo[];
  /** Quality rules. */
  quality: QualityRule[];
  /** Governance rules. */
  governance: GovernanceRule[];
  /** Encryption protocol or algorithm applied to the data, when declared. */
  encryption?: string;
  /** Retention in days, when declared. */
  retention_days?: number;
  /** Retention as written. */
  retention?: string | number;
  /** Contract-level tags. */
  tags: string[];
  /** Warnings of the import (reported by the policy as warnings, located in the source). */
  import_warnings?: ImportWarning[];
}

/** Canonical path (`fields.2.classification`) → where the value is in the source. */
export type LocationMap = Record<string, Location>;

/** A parsed contract: the canonical model, the detected format and the locations of its values. */
export interface ParsedContract {
  /** The canonical contract. */
  contract: DataContract;
  /** Detected source format. */
  format: ContractFormat;
  /** Canonical path → source location. */
  locations: LocationMap;
}

const fieldSchema = {
  $id: 'meshgate:contract-field',
  type: 'object',
  required: ['name', 'required', 'unique', 'nullable', 'primary_key', 'pii', 'constraints', 'tags', 'fields'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    type: { type: 'string' },
    required: { type: 'boolean' },
    unique: { type: 'boolean' },
    nullable: { type: 'boolean' },
    primary_key: { type: 'boolean' },
    classification: { type: 'string' },
    pii: { type: 'boolean' },
    encrypted_name: { type: 'string' },
    semantic_type: { type: 'string' },
    description: { type: 'string' },
    business_rule: { type: 'string' },
    constraints: {
      type: 'object',
      required: ['other'],
      additionalProperties: false,
      properties: {
        minimum: { type: 'number' },
        maximum: { type: 'number' },
        exclusive_minimum: { type: 'number' },
        exclusive_maximum: { type: 'number' },
        min_length: { type: 'number' },
        max_length: { type: 'number' },
        pattern: { type: 'string' },
        format: { type: 'string' },
        other: { type: 'array', items: { type: 'string' } },
      },
    },
    enum: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    fields: { type: 'array', items: { $ref: 'meshgate:contract-field' } },
  },
} as const;

/** JSON Schema of the canonical contract (checked with ajv after every import). */
export const CONTRACT_SCHEMA = {
  $id: 'meshgate:contract',
  type: 'object',
  required: ['source_format', 'output_ports', 'fields', 'slos', 'quality', 'governance', 'tags'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    domain: { type: 'string' },
    owner: { type: 'string' },
    status: { type: 'string' },
    description: { type: 'string' },
    source_format: { enum: [...CONTRACT_FORMATS] },
    output_ports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          kind: { enum: ['storage', 'database', 'stream', 'api', 'unknown'] },
          format: { type: 'string' },
          location: { type: 'string' },
          type: { type: 'string' },
        },
      },
    },
    fields: { type: 'array', items: { $ref: 'meshgate:contract-field' } },
    slos: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'raw', 'unit', 'valid'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          raw: { type: ['string', 'number', 'null'] },
          unit: { enum: ['seconds', 'percent', 'number', 'text'] },
          seconds: { type: 'number', minimum: 0 },
          percent: { type: 'number' },
          value: { type: 'number' },
          operator: { type: 'string' },
          valid: { type: 'boolean' },
          description: { type: 'string' },
        },
      },
    },
    quality: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          threshold: { type: ['string', 'number'] },
          rule: { type: 'string' },
          column: { type: 'string' },
          description: { type: 'string' },
        },
      },
    },
    governance: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          description: { type: 'string' },
          condition: { type: 'string' },
          action: { type: 'string' },
          algorithm: { type: 'string' },
        },
      },
    },
    encryption: { type: 'string' },
    retention_days: { type: 'number', minimum: 0 },
    retention: { type: ['string', 'number'] },
    tags: { type: 'array', items: { type: 'string' } },
    import_warnings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule', 'message'],
        additionalProperties: false,
        properties: { rule: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** The field schema, registered beside {@link CONTRACT_SCHEMA}. */
export const CONTRACT_FIELD_SCHEMA = fieldSchema;

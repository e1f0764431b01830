// The subset of vLLM's OpenAI-compatible API the remote target relies on, as JSON-Schema-like objects, and a small
// validator for them (type, enum, minimum, properties, required, additionalProperties, items, minItems). Sources:
//   vLLM docs, OpenAI-Compatible Server: https://docs.vllm.ai/en/stable/serving/openai_compatible_server/
//     (Completions API; extra parameters prompt_logprobs, add_special_tokens, return_tokens_as_token_ids; Tokenizer API)
//   OpenAI Completions API (echo, logprobs, max_tokens 0 with echo): https://platform.openai.com/docs/api-reference/completions/create
//   vLLM's protocol classes (CompletionRequest, CompletionLogProbs, CompletionResponseChoice with prompt_logprobs as
//   list[dict[int, Logprob] | None], UsageInfo, ModelCard, TokenizeCompletionRequest/TokenizeResponse):
//   https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai/completion/protocol.py
// Requests are closed (additionalProperties false): the client sends only documented parameters. Responses are open:
// a server may send more than the fields named here.

export interface Schema {
  type?: string | string[];
  enum?: readonly unknown[];
  minimum?: number;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
}

const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const tokenIds: Schema = { type: 'array', items: int(), minItems: 1 };

/** POST /v1/completions request body, as the remote target sends it. */
export const COMPLETION_REQUEST: Schema = {
  type: 'object',
  required: ['model', 'prompt', 'max_tokens', 'temperature'],
  additionalProperties: false,
  properties: {
    model: { type: 'string' },
    // string | list[str] | list[int] | list[list[int]]; the client sends lists of strings or of token-id lists.
    prompt: { type: 'array', minItems: 1, items: { type: ['string', 'array'], items: int() } },
    max_tokens: int(),
    temperature: { type: 'number', minimum: 0 },
    top_p: { type: 'number', minimum: 0 },
    n: { type: 'integer', enum: [1] },
    stream: { type: 'boolean', enum: [false] },
    echo: { type: 'boolean' },
    logprobs: int(),
    // vLLM extra parameters
    prompt_logprobs: int(),
    return_tokens_as_token_ids: { type: 'boolean' },
    repetition_penalty: { type: 'number' },
    presence_penalty: { type: 'number' },
    frequency_penalty: { type: 'number' },
  },
};

/** POST /tokenize request body (vLLM TokenizeCompletionRequest). */
export const TOKENIZE_REQUEST: Schema = {
  type: 'object',
  required: ['prompt'],
  additionalProperties: false,
  properties: { model: { type: 'string' }, prompt: { type: 'string' }, add_special_tokens: { type: 'boolean' } },
};

const logprob: Schema = { type: 'object', required: ['logprob'], properties: { logprob: { type: 'number' }, rank: { type: ['integer', 'null'] }, decoded_token: { type: ['string', 'null'] } } };

/** /v1/completions response (CompletionResponse), the fields read. */
export const COMPLETION_RESPONSE: Schema = {
  type: 'object',
  required: ['choices', 'usage'],
  properties: {
    object: { type: 'string', enum: ['text_completion'] },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'text'],
        properties: {
          index: int(),
          text: { type: 'string' },
          finish_reason: { type: ['string', 'null'] },
          // CompletionLogProbs
          logprobs: {
            type: ['object', 'null'],
            required: ['tokens', 'token_logprobs'],
            properties: {
              text_offset: { type: 'array', items: int() },
              token_logprobs: { type: 'array', items: { type: ['number', 'null'] } },
              tokens: { type: 'array', items: { type: 'string' } },
              top_logprobs: { type: ['array', 'null'], items: { type: ['object', 'null'], additionalProperties: { type: 'number' } } },
            },
          },
          // list[dict[int, Logprob] | None] | None: keys are token ids (JSON strings)
          prompt_logprobs: { type: ['array', 'null'], items: { type: ['object', 'null'], additionalProperties: logprob } },
        },
      },
    },
    usage: { type: 'object', required: ['prompt_tokens', 'completion_tokens'], properties: { prompt_tokens: int(), completion_tokens: { type: ['integer', 'null'], minimum: 0 }, total_tokens: int() } },
  },
};

/** GET /v1/models response (ModelList of ModelCard). */
export const MODEL_LIST: Schema = {
  type: 'object',
  required: ['data'],
  properties: {
    object: { type: 'string', enum: ['list'] },
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string' }, object: { type: 'string', enum: ['model'] }, created: int(), owned_by: { type: 'string' }, root: { type: ['string', 'null'] }, parent: { type: ['string', 'null'] }, max_model_len: { type: ['integer', 'null'], minimum: 1 } },
      },
    },
  },
};

/** POST /tokenize response (TokenizeResponse). */
export const TOKENIZE_RESPONSE: Schema = { type: 'object', required: ['tokens'], properties: { tokens: tokenIds, count: int(), max_model_len: int(1) } };

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** The violations of `schema` by `value`, each "path: what" (empty when it conforms). */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!allowed.includes(t) && !(t === 'integer' && allowed.includes('number'))) return [`${path}: expected ${allowed.join(' or ')}, got ${t}`];
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: ${value} is below ${schema.minimum}`);
  if (t === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) errors.push(...validate(property, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not a documented field`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties, v, `${path}[${JSON.stringify(key)}]`));
    }
  }
  if (t === 'array') {
    const array = value as unknown[];
    if (schema.minItems !== undefined && array.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) array.forEach((item, i) => errors.push(...validate(schema.items!, item, `${path}[${i}]`)));
  }
  return errors;
}

/**
 * Prompts from `api.prompts`: Handlebars templates parsed at startup and compiled once, the frozen
 * `prompts/list` payload, and rendering with a JSON-RPC invalid-params error for a missing argument.
 */
import { createRequire } from 'node:module';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type HandlebarsModule from 'handlebars';
import type { PromptDefinition } from '../define-tool.js';

// Handlebars (CommonJS) is required on first use: an API without prompts never loads it
// (~15 ms of startup CPU), and the registry stays synchronous for the callers that build it.
const require = createRequire(import.meta.url);
let handlebars: typeof HandlebarsModule | undefined;
function loadHandlebars(): typeof HandlebarsModule {
  handlebars ??= require('handlebars') as typeof HandlebarsModule;
  return handlebars;
}

/** What prompts/list shows of a prompt: everything but its template. */
export type PromptListing = Omit<PromptDefinition, 'template'>;

export interface PromptRegistry {
  readonly listResult: { readonly prompts: readonly PromptListing[] };
  readonly size: number;
  renderPrompt(name: string, args: Readonly<Record<string, string>> | undefined): RenderedPrompt;
}

export interface RenderedPrompt {
  [key: string]: unknown;
  description: string;
  messages: { role: 'user'; content: { type: 'text'; text: string } }[];
}

export function buildPromptRegistry(prompts: readonly PromptDefinition[]): PromptRegistry {
  const compiled = new Map<string, { prompt: PromptDefinition; render: (args: object) => string }>();
  for (const prompt of prompts) {
    const Handlebars = loadHandlebars();
    try {
      // Handlebars compiles lazily; parsing now makes a broken template fail the boot, not a user.
      Handlebars.parse(prompt.template);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Prompt ${prompt.name}: template does not parse: ${reason}`);
    }
    // noEscape: the text goes to a model, not into HTML; escaping would turn `&` into `&amp;`.
    const template = Handlebars.compile(prompt.template, { noEscape: true });
    compiled.set(prompt.name, { prompt, render: template });
  }
  const listResult = Object.freeze({
    prompts: Object.freeze(
      prompts.map((prompt) =>
        Object.freeze({
          name: prompt.name,
          ...(prompt.title !== undefined && { title: prompt.title }),
          description: prompt.description,
          arguments: prompt.arguments.map((argument) => ({ ...argument })),
        }),
      ),
    ),
  });

  return {
    listResult,
    size: compiled.size,
    renderPrompt(name, args) {
      const entry = compiled.get(name);
      if (entry === undefined) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${name}`);
      }
      const given = args ?? {};
      const missing = entry.prompt.arguments
        .filter(
          (argument) =>
            argument.required && (given[argument.name] === undefined || given[argument.name] === ''),
        )
        .map((argument) => argument.name);
      if (missing.length > 0) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Missing required argument${missing.length > 1 ? 's' : ''} for prompt ${name}: ${missing.join(', ')}`,
        );
      }
      const text = entry.render(given);
      return {
        description: entry.prompt.description,
        messages: [{ role: 'user', content: { type: 'text', text } }],
      };
    },
  };
}

/**
 * Prompts from `api.prompts`: the frozen `prompts/list` payload, Handlebars templates compiled on
 * their first prompts/get (then kept), and rendering with a JSON-RPC invalid-params error for a
 * missing argument. Templates are not parsed at startup: `spec2mcp generate` already refuses one
 * that does not compile (MCPGEN_PROMPT_INVALID), and loading Handlebars is ~25 ms of CPU a server
 * need not spend before its first tools/list.
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type HandlebarsModule from 'handlebars';
import type { PromptDefinition } from '../define-tool.js';

// Handlebars loads on the first prompts/get: a server never asked for a prompt never loads it. A
// dynamic import with a literal specifier, so esbuild puts it in the .mcpb bundle (which runs with
// no node_modules beside it); a createRequire call would be invisible to it.
let handlebars: Promise<typeof HandlebarsModule> | undefined;
function loadHandlebars(): Promise<typeof HandlebarsModule> {
  handlebars ??= import('handlebars').then((module) => module.default);
  return handlebars;
}

/** What prompts/list shows of a prompt: everything but its template. */
export type PromptListing = Omit<PromptDefinition, 'template'>;

export interface PromptRegistry {
  readonly listResult: { readonly prompts: readonly PromptListing[] };
  readonly size: number;
  renderPrompt(name: string, args: Readonly<Record<string, string>> | undefined): Promise<RenderedPrompt>;
}

export interface RenderedPrompt {
  [key: string]: unknown;
  description: string;
  messages: { role: 'user'; content: { type: 'text'; text: string } }[];
}

export function buildPromptRegistry(prompts: readonly PromptDefinition[]): PromptRegistry {
  const byName = new Map(prompts.map((prompt) => [prompt.name, prompt]));
  const rendererOf = createRenderers();
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
    size: byName.size,
    async renderPrompt(name, args) {
      const prompt = byName.get(name);
      if (prompt === undefined) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${name}`);
      }
      const given = args ?? {};
      const missing = prompt.arguments
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
      const text = (await rendererOf(prompt))(given);
      return {
        description: prompt.description,
        messages: [{ role: 'user', content: { type: 'text', text } }],
      };
    },
  };
}

/** Each template's render function, compiled on its first use and kept. */
function createRenderers(): (prompt: PromptDefinition) => Promise<(args: object) => string> {
  const renderers = new Map<string, (args: object) => string>();
  return async (prompt) => {
    let render = renderers.get(prompt.name);
    if (render === undefined) {
      const Handlebars = await loadHandlebars();
      try {
        // compile() alone parses on the first call; parsing here reports a broken template once, by name.
        Handlebars.parse(prompt.template);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Prompt ${prompt.name}: template does not parse: ${reason}. Fix x-mcp.prompts in the overlay and regenerate.`,
        );
      }
      // noEscape: the text goes to a model, not into HTML; escaping would turn `&` into `&amp;`.
      render = Handlebars.compile(prompt.template, { noEscape: true });
      renderers.set(prompt.name, render);
    }
    return render;
  };
}

/**
 * Prompt templates are compiled on their first prompts/get, not at startup (the generator already
 * refuses a template that does not compile). Given prompts, want the listing at once, rendering
 * with arguments, and a template that does not parse reported by name when it is asked for.
 */
import { describe, expect, it } from 'vitest';
import type { PromptDefinition } from '../../runtime/define-tool.js';
import { buildPromptRegistry } from '../../runtime/mcp/prompt-registry.js';

const greet: PromptDefinition = {
  name: 'greet',
  description: 'Greets someone.',
  arguments: [{ name: 'who', description: 'Whom to greet.', required: true }],
  template: 'Hello {{who}} & welcome',
};
const broken: PromptDefinition = { ...greet, name: 'broken', template: 'Hello {{#if who}}' };

describe('buildPromptRegistry', () => {
  it('lists every prompt without its template, even one that would not parse', () => {
    const registry = buildPromptRegistry([greet, broken]);
    expect(registry.size).toBe(2);
    expect(registry.listResult.prompts.map((prompt) => prompt.name)).toEqual(['greet', 'broken']);
    expect(registry.listResult.prompts[0]).not.toHaveProperty('template');
  });

  it('renders on prompts/get, unescaped, the same each time', async () => {
    const registry = buildPromptRegistry([greet]);
    const first = await registry.renderPrompt('greet', { who: 'Ada' });
    expect(first.messages[0]?.content.text).toBe('Hello Ada & welcome');
    expect((await registry.renderPrompt('greet', { who: 'Bo' })).messages[0]?.content.text).toBe(
      'Hello Bo & welcome',
    );
  });

  it('reports a template that does not parse by prompt name when asked for it', async () => {
    const registry = buildPromptRegistry([greet, broken]);
    await expect(registry.renderPrompt('broken', { who: 'Ada' })).rejects.toThrow(
      /Prompt broken: template does not parse: .*regenerate/s,
    );
    expect((await registry.renderPrompt('greet', { who: 'Ada' })).messages[0]?.content.text).toContain('Ada');
  });

  it('refuses a missing required argument before rendering', async () => {
    await expect(buildPromptRegistry([broken]).renderPrompt('broken', {})).rejects.toThrow(
      /Missing required argument for prompt broken: who/,
    );
  });
});

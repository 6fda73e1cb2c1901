import { describe, expect, it } from 'vitest';
import {
  deriveArgumentName,
  deriveExportName,
  deriveFileName,
  deriveToolName,
  fitName,
  splitWords,
  TOOL_NAME_PATTERN,
  toSnakeCase,
} from '../../generator/ir/naming.js';

describe('toSnakeCase', () => {
  it.each([
    ['listWorkspaces', 'list_workspaces'],
    ['getHTTPStatus', 'get_http_status'],
    ['get-an-album', 'get_an_album'],
    ['orders.create', 'orders_create'],
    ['post_oauth2_token#refresh', 'post_oauth2_token_refresh'],
    ['AddonPropertiesResource.getAddonProperties_get', 'addon_properties_resource_get_addon_properties_get'],
    ['Retrieve Trace Item Statistics', 'retrieve_trace_item_statistics'],
    ['enterprise-admin/list-global-webhooks', 'enterprise_admin_list_global_webhooks'],
    ['créerCommande', 'creer_commande'],
    ['v2ListItems', 'v2_list_items'],
  ])('%s -> %s', (given, want) => {
    expect(toSnakeCase(given)).toBe(want);
  });

  it('splits acronyms followed by words', () => {
    expect(splitWords('parseXMLDocument')).toEqual(['parse', 'xml', 'document']);
  });
});

describe('deriveToolName', () => {
  it.each([
    [{ operationId: 'listWorkflows', method: 'get', path: '/w', prefix: '' }, 'list_workflows'],
    [{ operationId: 'listWorkflows', method: 'get', path: '/w', prefix: 'cv_' }, 'cv_list_workflows'],
    [
      { method: 'get', path: '/workspaces/{workspaceId}/flows', prefix: '' },
      'get_workspaces_by_workspace_id_flows',
    ],
    [{ method: 'post', path: '/', prefix: '' }, 'post'],
  ])('%j -> %s', (given, want) => {
    expect(deriveToolName(given)).toBe(want);
  });

  it('fits a 113-character operationId into 64 characters with a stable hash', () => {
    const long =
      'read_work_pool_default_queue_with_a_very_long_name_that_keeps_going_and_going_work_pools_name_queues_default_read';
    const name = deriveToolName({ operationId: long, method: 'get', path: '/x', prefix: '' });
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(TOOL_NAME_PATTERN);
    expect(name).toBe(deriveToolName({ operationId: long, method: 'get', path: '/x', prefix: '' }));
    expect(name).toMatch(/_[0-9a-f]{6}$/);
  });

  it('keeps two long names with a shared prefix distinct', () => {
    const a = fitName(`${'x_'.repeat(40)}alpha`);
    const b = fitName(`${'x_'.repeat(40)}beta`);
    expect(a).not.toBe(b);
  });
});

describe('deriveArgumentName', () => {
  it.each([
    ['workspaceId', 'snake_case', 'workspace_id'],
    ['workspaceId', 'preserve', 'workspaceId'],
    ['filter[status]', 'preserve', 'filter_status'],
    ['x-prefect-api-version', 'preserve', 'x-prefect-api-version'],
    ['$top', 'preserve', 'top'],
  ] as const)('%s (%s) -> %s', (given, style, want) => {
    expect(deriveArgumentName(given, style)).toBe(want);
  });
});

describe('deriveExportName / deriveFileName', () => {
  it.each([
    ['list_workspaces', 'listWorkspaces'],
    ['delete', 'deleteTool'],
    ['2fa_enable', 'tool2faEnable'],
    ['default', 'defaultTool'],
  ])('export name of %s is %s', (given, want) => {
    expect(deriveExportName(given)).toBe(want);
  });

  it('gives mixed-case names distinct lower-case file names', () => {
    expect(deriveFileName('list_items')).toBe('list_items');
    expect(deriveFileName('List_Items')).not.toBe(deriveFileName('list_items'));
    expect(deriveFileName('List_Items')).toBe(deriveFileName('List_Items').toLowerCase());
  });
});

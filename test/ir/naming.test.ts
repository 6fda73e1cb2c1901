import { describe, expect, it } from 'vitest';
import {
  assignToolNames,
  deriveArgumentName,
  deriveExportName,
  deriveFileName,
  deriveModuleNames,
  deriveNameFromPath,
  deriveToolName,
  fitName,
  fitToolName,
  type NamingOperation,
  singularize,
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
    ['取得する', ''],
  ])('%s -> %s', (given, want) => {
    expect(toSnakeCase(given)).toBe(want);
  });

  it('splits acronyms followed by words', () => {
    expect(splitWords('parseXMLDocument')).toEqual(['parse', 'xml', 'document']);
  });
});

describe('deriveNameFromPath: the method, then the last literal segments', () => {
  it.each([
    // given method, path -> want
    ['get', '/workspaces/{workspaceId}/flows', 'get_workspace_flows'],
    ['get', '/workspaces/{workspaceId}', 'get_workspace'],
    ['get', '/workspaces', 'get_workspaces'],
    ['delete', '/v1/workspaces/{id}', 'delete_workspace'],
    ['get', '/estimates/price', 'get_estimates_price'],
    ['get', '/me', 'get_me'],
    ['get', '/api/v2/categories/{id}/status', 'get_category_status'],
    ['post', '/a/b/c/d/e/f', 'post_c_d_e_f'],
    ['get', '/v1', 'get_v1'],
    ['get', '/{realm}', 'get_by_realm'],
    ['post', '/', 'post_root'],
    ['get', '/files/{id}/content.{format}', 'get_file_content'],
    ['get', '/データ', 'get_root'],
  ])('%s %s -> %s', (method, path, want) => {
    expect(deriveNameFromPath(method, path)).toBe(want);
  });

  it.each([
    ['workspaces', 'workspace'],
    ['categories', 'category'],
    ['addresses', 'address'],
    ['boxes', 'box'],
    ['statuses', 'status'],
    ['status', 'status'],
    ['analysis', 'analysis'],
    ['data', 'data'],
    ['work_pools', 'work_pool'],
  ])('singularize(%s) -> %s', (given, want) => {
    expect(singularize(given)).toBe(want);
  });
});

describe('deriveToolName: the operation on its own', () => {
  it.each([
    [{ operationId: 'listWorkflows', method: 'get', path: '/w', prefix: '' }, 'list_workflows'],
    [{ operationId: 'listWorkflows', method: 'get', path: '/w', prefix: 'cv_' }, 'cv_list_workflows'],
    [{ method: 'get', path: '/workspaces/{workspaceId}/flows', prefix: '' }, 'get_workspace_flows'],
    [{ method: 'post', path: '/', prefix: '' }, 'post_root'],
    // operationIds with odd characters (box, github, sentry, paypal, jira)
    [
      { operationId: 'post_oauth2_token#refresh', method: 'post', path: '/x', prefix: '' },
      'post_oauth2_token_refresh',
    ],
    [
      { operationId: 'enterprise-admin/list-global-webhooks', method: 'get', path: '/x', prefix: '' },
      'enterprise_admin_list_global_webhooks',
    ],
    [
      { operationId: 'Retrieve Trace Item Statistics', method: 'get', path: '/x', prefix: '' },
      'retrieve_trace_item_statistics',
    ],
    [{ operationId: 'orders.create', method: 'post', path: '/x', prefix: '' }, 'orders_create'],
    // no usable characters: the path decides
    [{ operationId: '取得', method: 'get', path: '/items/{id}', prefix: '' }, 'get_item'],
    [{ operationId: '###', method: 'get', path: '/items', prefix: '' }, 'get_items'],
    // FastAPI's `<function>_<path>_<method>` keeps the function name
    [
      { operationId: 'read_flow_run_flow_runs__id__get', method: 'get', path: '/flow_runs/{id}', prefix: '' },
      'read_flow_run',
    ],
    [
      {
        operationId: 'read_flow_run_flow_runs__id__get',
        method: 'post',
        path: '/flow_runs/{id}',
        prefix: '',
      },
      'read_flow_run_flow_runs_id_get',
    ],
  ])('%j -> %s', (given, want) => {
    expect(deriveToolName(given)).toBe(want);
  });

  it("fits prefect's 113-character operationId into 64 characters, readably and without a hash", () => {
    const given = {
      operationId:
        'read_block_document_by_name_for_block_type_block_types_slug__slug__block_documents_name__block_document_name__get',
      method: 'get',
      path: '/block_types/slug/{slug}/block_documents/name/{block_document_name}',
      prefix: '',
    };
    expect(deriveToolName(given)).toBe('read_block_document_by_name_for_block_type');
    expect(deriveToolName({ ...given, path: '/other' })).toBe(
      'read_block_document_by_name_for_type_types_slug_documents_get',
    );
  });
});

describe('fitToolName: 64 characters, each step only while still too long', () => {
  it.each([
    // given -> want
    ['short_name', 'short_name'],
    // repeated words go first
    [
      `read_work_queue_${'x'.repeat(30)}_work_queues_id_queue_get`,
      `read_work_queue_${'x'.repeat(30)}_queues_id_get`,
    ],
    // then a word echoing its predecessor (`/customers/{customer}`)
    [
      'get_customers_customer_subscriptions_subscription_exposed_id_discount',
      'get_customers_subscriptions_exposed_id_discount',
    ],
    // then filler words
    [
      'oauth_authorizations_get_or_create_authorization_for_app_and_fingerprint',
      'oauth_authorizations_get_or_create_authorization_app_fingerprint',
    ],
    // then words before the last two: the verb and the object survive
    [
      'enterprise_stub_write_replication_dr_secondary_config_reload_subsystem',
      'enterprise_stub_write_replication_dr_secondary_reload_subsystem',
    ],
    // one word longer than the limit is cut
    ['x'.repeat(70), 'x'.repeat(64)],
  ])('%s', (given, want) => {
    const fitted = fitToolName(given);
    expect(fitted).toBe(want);
    expect(fitted).toMatch(TOOL_NAME_PATTERN);
  });

  it('keeps a hash-suffixed fitName for argument names (no collision pass there)', () => {
    const a = fitName(`${'x_'.repeat(40)}alpha`);
    const b = fitName(`${'x_'.repeat(40)}beta`);
    expect(a).not.toBe(b);
    expect(a).toMatch(/_[0-9a-f]{6}$/);
  });
});

const op = (key: string, extra: Partial<NamingOperation> = {}): NamingOperation => {
  const [method = 'get', path = '/'] = key.split(' ');
  return { key, method: method.toLowerCase(), path, tags: [], ...extra };
};

describe('assignToolNames: unique, readable, independent of order', () => {
  it.each<[string, NamingOperation[], string[]]>([
    [
      'unique derived names stay as they are',
      [op('GET /a', { operationId: 'listA' }), op('GET /b', { operationId: 'listB' })],
      ['list_a', 'list_b'],
    ],
    [
      // kubernetes: the client generator stripped the tag prefixes off the operationIds
      "a duplicate operationId is told apart by each operation's first tag",
      [
        op('GET /api/v1/namespaces/{namespace}/events', {
          operationId: 'listNamespacedEvent',
          tags: ['core_v1'],
        }),
        op('GET /apis/events.k8s.io/v1beta1/namespaces/{namespace}/events', {
          operationId: 'listNamespacedEvent',
          tags: ['events_v1beta1'],
        }),
      ],
      ['list_namespaced_event_core_v1', 'list_namespaced_event_events_v1beta1'],
    ],
    [
      'without distinct tags, by the path words the name lacks',
      [op('GET /v1/items', { operationId: 'list' }), op('GET /v2/items', { operationId: 'list' })],
      ['list_v1_items', 'list_v2_items'],
    ],
    [
      'same path, by the method',
      [op('GET /items', { operationId: 'items' }), op('HEAD /items', { operationId: 'items' })],
      ['items_get', 'items_head'],
    ],
    [
      // (sha256 of `GET /items` and `GET /items/`: a change here renames published tools)
      'nothing of their own to tell them apart: a hash of method + path',
      [op('GET /items', { operationId: 'get' }), op('GET /items/', { operationId: 'get' })],
      ['get_e3d0ef', 'get_541307'],
    ],
    [
      'an explicit x-mcp.name wins; the derived name that wanted it yields',
      [op('GET /a', { explicitName: 'list_items' }), op('GET /items', { operationId: 'listItems' })],
      ['list_items', 'list_items_get'],
    ],
    [
      'names compare case-insensitively',
      [op('GET /a', { explicitName: 'List_Items' }), op('GET /items', { operationId: 'listItems' })],
      ['List_Items', 'list_items_get'],
    ],
    [
      'two explicit names are left as written (validate-ir reports them)',
      [op('GET /a', { explicitName: 'items' }), op('POST /a', { explicitName: 'items' })],
      ['items', 'items'],
    ],
    [
      'a suffix shared by two contenders is skipped for both, so neither wins by order',
      [
        op('GET /v1/x', { operationId: 'x', tags: ['shared'] }),
        op('GET /v2/x', { operationId: 'x', tags: ['shared'] }),
        op('GET /v3/x', { operationId: 'x', tags: ['own'] }),
      ],
      ['x_v1', 'x_v2', 'x_own'],
    ],
  ])('%s', (_, given, want) => {
    const names = assignToolNames(given, { prefix: '' });
    expect(names.map((n) => n.name)).toEqual(want);
    for (const name of names) expect(name.name).toMatch(TOOL_NAME_PATTERN);
    // Order does not matter: the same operations reversed get the same names.
    expect(assignToolNames([...given].reverse(), { prefix: '' }).map((n) => n.name)).toEqual(
      [...want].reverse(),
    );
  });

  it('says why a name was disambiguated', () => {
    const [a, b] = assignToolNames(
      [
        op('GET /x', { operationId: 'same', tags: ['t1'] }),
        op('POST /x', { operationId: 'same', tags: ['t2'] }),
      ],
      { prefix: 'p_' },
    );
    expect(a).toEqual({
      name: 'p_same_t1',
      origin: 'disambiguated',
      base: 'p_same',
      collidedWith: ['POST /x'],
    });
    expect(b).toEqual({
      name: 'p_same_t2',
      origin: 'disambiguated',
      base: 'p_same',
      collidedWith: ['GET /x'],
    });
  });

  it('keeps disambiguated names within 64 characters, suffix included', () => {
    const long = 'deleteCollectionNamespacedHorizontalPodAutoscaler';
    const names = assignToolNames(
      [
        op('DELETE /apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers', {
          operationId: long,
          tags: ['autoscaling_v1'],
        }),
        op('DELETE /apis/autoscaling/v2beta1/namespaces/{namespace}/horizontalpodautoscalers', {
          operationId: long,
          tags: ['autoscaling_v2beta1'],
        }),
      ],
      { prefix: '' },
    );
    expect(names.map((n) => n.name)).toEqual([
      'delete_collection_namespaced_pod_autoscaler_autoscaling_v1',
      'delete_collection_namespaced_pod_autoscaler_autoscaling_v2beta1',
    ]);
  });

  it('adding a third member to a collision group renames neither of the other two (no lock)', () => {
    const first = [
      op('GET /apis/apps/v1/deployments', { operationId: 'listDeployment', tags: ['apps_v1'] }),
      op('GET /apis/extensions/v1beta1/deployments', {
        operationId: 'listDeployment',
        tags: ['extensions_v1beta1'],
      }),
    ];
    const before = assignToolNames(first, { prefix: '' }).map((n) => n.name);
    const after = assignToolNames(
      [
        ...first,
        op('GET /apis/apps/v1beta2/deployments', { operationId: 'listDeployment', tags: ['apps_v1beta2'] }),
      ],
      { prefix: '' },
    ).map((n) => n.name);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2]).toBe('list_deployment_apps_v1beta2');
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

describe('deriveExportName / deriveFileName / deriveModuleNames', () => {
  it.each([
    ['list_workspaces', 'listWorkspaces'],
    ['delete', 'deleteTool'],
    ['2fa_enable', 'tool2faEnable'],
    ['default', 'defaultTool'],
    // names the generated modules bind themselves
    ['prompts', 'promptsTool'],
    ['define_tool', 'defineToolTool'],
    ['api', 'apiTool'],
  ])('export name of %s is %s', (given, want) => {
    expect(deriveExportName(given)).toBe(want);
  });

  it('gives names that are not their own stem (upper case, dots) a hashed, lower-case file name', () => {
    expect(deriveFileName('list_items')).toBe('list_items');
    expect(deriveFileName('List_Items')).toMatch(/^list_items_[0-9a-f]{4}$/);
    expect(deriveFileName('list.items')).toMatch(/^list_items_[0-9a-f]{4}$/);
    expect(deriveFileName('list.items')).not.toBe(deriveFileName('List_Items'));
  });

  it('tells apart names that camelCase maps to one identifier', () => {
    const modules = deriveModuleNames(['a_1b', 'a1b', 'get_items']);
    const exports = [...modules.values()].map((m) => m.exportName);
    expect(new Set(exports).size).toBe(3);
    expect(modules.get('get_items')).toEqual({ exportName: 'getItems', fileName: 'get_items' });
    expect(modules.get('a1b')?.exportName).toMatch(/^a1b[0-9a-f]{4}$/);
  });
});

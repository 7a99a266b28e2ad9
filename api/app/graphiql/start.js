// GraphiQL on Distance's /v1/graphql: every file it loads is served by this server (no CDN).
"use strict";
const fetcher = GraphiQL.createFetcher({
  url: "/v1/graphql",
  headers: { Accept: "application/graphql-response+json, application/json;q=0.9" },
});
const defaultQuery = `# Distance's graph in GraphQL. The schema's description (Docs) states the limits.
{
  node(id: "oxytocin") {
    label
    summary
    evidence(first: 3) {
      nodes { quote articleTitle passage }
    }
    neighbors(direction: in, first: 5) {
      edges { relation node { id label type } }
    }
  }
}
`;
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true }),
);

package resources

import (
	"context"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// collectionRoutes adds the routes of collections and of the resource
// lifecycle (issue 17) to the resources function.
func collectionRoutes(m *apigw.Mux, s *Service) {
	const res = "/v1/orgs/{orgId}/resources/{type}/{resourceId}"
	const coll = "/v1/orgs/{orgId}/collections"
	ref := func(r *apigw.Request) gatehouse.Ref {
		return gatehouse.Ref{Type: r.Param("type"), ID: r.Param("resourceId")}
	}
	apigw.Handle(m, "GET "+res, http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*View, error) {
		return s.Get(ctx, r.Caller, r.Param("orgId"), ref(r))
	})
	apigw.Handle(m, "PATCH "+res, http.StatusOK, func(ctx context.Context, r *apigw.Request, in UpdateInput) (*View, error) {
		return s.Update(ctx, r.Caller, r.Param("orgId"), ref(r), in)
	})
	apigw.Handle(m, "POST "+res+"/transfer", http.StatusOK, func(ctx context.Context, r *apigw.Request, in TransferInput) (*View, error) {
		return s.Transfer(ctx, r.Caller, r.Param("orgId"), ref(r), in)
	})
	apigw.Handle(m, "POST "+coll, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in CollectionInput) (*gatehouse.Collection, error) {
		return s.CreateCollection(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+coll, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.Collection, string, error) {
		return s.ListCollections(ctx, r.Caller, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "GET "+coll+"/{collectionId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.Collection, error) {
		return s.GetCollection(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"))
	})
	apigw.Handle(m, "PATCH "+coll+"/{collectionId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in CollectionInput) (*gatehouse.Collection, error) {
		return s.UpdateCollection(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"), in)
	})
	apigw.Handle(m, "DELETE "+coll+"/{collectionId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.DeleteCollection(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"))
	})
	apigw.Handle(m, "PUT "+coll+"/{collectionId}/grants", http.StatusOK, func(ctx context.Context, r *apigw.Request, in GrantsInput) (*gatehouse.Collection, error) {
		return s.SetCollectionGrants(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"), in)
	})
	apigw.List(m, "GET "+coll+"/{collectionId}/resources", func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]ResourceRef, string, error) {
		return s.CollectionResources(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "PUT "+coll+"/{collectionId}/resources/{type}/{resourceId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*View, error) {
		return s.FileResource(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"), ref(r), true)
	})
	apigw.Handle(m, "DELETE "+coll+"/{collectionId}/resources/{type}/{resourceId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*View, error) {
		return s.FileResource(ctx, r.Caller, r.Param("orgId"), r.Param("collectionId"), ref(r), false)
	})
}
